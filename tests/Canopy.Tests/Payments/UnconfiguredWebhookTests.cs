using System.Net;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Payments;

/// <summary>Canopy without Stripe:WebhookSecret.</summary>
public abstract class NoWebhookSecretApp : CanopyApp
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings => [new("Stripe:WebhookSecret", "")];
}

public sealed class NoWebhookSecretSqliteApp : NoWebhookSecretApp
{
    public override Db Db => Db.Sqlite;
}

public sealed class NoWebhookSecretPostgresApp : NoWebhookSecretApp
{
    public override Db Db => Db.Postgres;
}

/// <summary>
/// Without a signing secret the instance has no Stripe webhook endpoint: 404, not 503 (which says "retry later", and
/// Stripe would keep retrying for days a condition that only configuration ends).
/// </summary>
public abstract class UnconfiguredWebhookTests(NoWebhookSecretApp app)
{
    [Fact]
    public async Task AnEventWithoutAConfiguredSecretIs404ProblemDetails()
    {
        app.RequireAvailable();
        var body = StripeApp.Event("evt_unconfigured_" + TestData.NewId(), "payment_intent.succeeded", new() { ["id"] = "pi_x", ["object"] = "payment_intent" });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/stripe") { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("Stripe-Signature", StripeApp.Sign(body));
        var response = await app.Anonymous().SendAsync(request, TestContext.Current.CancellationToken);
        var problem = await response.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Contains("Stripe:WebhookSecret", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);

        var doc = await app.Anonymous().GetJsonAsync("/openapi/v1.json");
        var responses = doc["paths"]!["/webhooks/stripe"]!["post"]!["responses"]!.AsObject();
        Assert.True(responses.ContainsKey("404"));
        Assert.False(responses.ContainsKey("503"));
    }
}

public sealed class UnconfiguredWebhookTestsOnSqlite(NoWebhookSecretSqliteApp app) : UnconfiguredWebhookTests(app), IClassFixture<NoWebhookSecretSqliteApp>;

public sealed class UnconfiguredWebhookTestsOnPostgres(NoWebhookSecretPostgresApp app) : UnconfiguredWebhookTests(app), IClassFixture<NoWebhookSecretPostgresApp>;
