using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Payments;

/// <summary>
/// Canopy with <c>Payments:Provider=stripe</c>, Stripe.net pointed at a <see cref="StripeMock"/>, a webhook secret,
/// no network retries, a five-second Stripe timeout (the mock's slow card answers after twelve), and the reconciler run by hand (for any intent, however young).
/// </summary>
public abstract class StripeApp : CanopyApp
{
    public const string WebhookSecret = "whsec_test_0123456789abcdef";

    public StripeMock Stripe { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
    [
        new("Payments:Provider", "stripe"),
        new("Stripe:SecretKey", "sk_test_canopy"),
        new("Stripe:ApiBase", Stripe.Url),
        new("Stripe:WebhookSecret", WebhookSecret),
        new("Stripe:MaxNetworkRetries", "0"),
        new("Stripe:TimeoutSeconds", "5"),
        new("Payments:ReconcilerEnabled", "false"),
        new("Payments:ReconcileAfterSeconds", "0"),
        new("Canopy:AllowPrivateCallbackUrls", "true"),
    ];

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Stripe.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>A Stripe event of <paramref name="type"/> about <paramref name="obj"/>, as Stripe would send it.</summary>
    public static string Event(string id, string type, JsonObject obj) => new JsonObject
    {
        ["id"] = id, ["object"] = "event", ["api_version"] = "2025-10-29.clover", ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        ["type"] = type, ["livemode"] = false, ["pending_webhooks"] = 1,
        ["data"] = new JsonObject { ["object"] = obj },
        ["request"] = new JsonObject { ["id"] = null, ["idempotency_key"] = null },
    }.ToJsonString();

    /// <summary>Stripe's signature header: <c>t=…,v1=HMAC-SHA256(secret, "t.body")</c>.</summary>
    public static string Sign(string body, string secret = WebhookSecret, long? at = null)
    {
        var t = (at ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds()).ToString(CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{body}"));
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    /// <summary>Posts a signed event to /webhooks/stripe.</summary>
    public Task<HttpResponseMessage> SendEventAsync(string body, string? signature = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/stripe") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Add("Stripe-Signature", signature ?? Sign(body));
        return Anonymous().SendAsync(request, TestContext.Current.CancellationToken);
    }
}

public sealed class StripeSqliteApp : StripeApp
{
    public override Db Db => Db.Sqlite;
}

public sealed class StripePostgresApp : StripeApp
{
    public override Db Db => Db.Postgres;
}
