using System.Net;
using Canopy.Tests.Cnaught;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Pages;

/// <summary>An operator serving the pages on their own host: every public URL Canopy hands out starts with Canopy:PublicBaseUrl.</summary>
public abstract class PublicBaseUrlTests(CanopyApp app)
{
    public const string BaseUrl = "https://impact.example.org";

    [Fact]
    public async Task CertificateAndImpactUrlsUseTheConfiguredBase()
    {
        var c = await app.CreateCnaughtCustomerAsync(billing: "credits", credits: 10_000);
        var order = await c.Live.PlaceOrderAsync(new { amount_kg = 1 });
        var certificate = order["certificate_public_url"]!.GetValue<string>();
        Assert.StartsWith(BaseUrl + "/certificates/", certificate, StringComparison.Ordinal);
        Assert.Equal(certificate + ".pdf", order["certificate_download_public_url"]!.GetValue<string>());
        Assert.StartsWith(BaseUrl + "/impact/", (await c.Live.GetJsonAsync("/v1/impact/hosted-page-config"))["url"]!.GetValue<string>(), StringComparison.Ordinal);

        var wren = app.WithBasic(c.Account.LiveToken);
        var placed = await (await wren.PostAsync("/api/offset-orders", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["tons"] = "0.001", ["paymentMethod"] = "credits",
        }), TestContext.Current.CancellationToken)).ReadJsonAsync(HttpStatusCode.OK);
        var redirect = await wren.GetAsync($"/api/offset-orders/certificate/by-group/{placed["id"]!.GetValue<string>()}", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.StartsWith(BaseUrl + "/certificates/", redirect.Headers.Location!.ToString(), StringComparison.Ordinal);

        // The page itself is served whatever host the request came to (the proxy in front decides).
        await app.GetPageAsync(PageKit.PathOf(certificate));
    }

    [Fact]
    public async Task CallbacksCarryTheCertificateUrls()
    {
        await using var receiver = await Canopy.Tests.Fulfilment.CallbackReceiver.StartAsync();
        var c = await app.CreateCnaughtCustomerAsync();
        await app.AddBatchAsync(c.ProjectA, 2024, 10, "A-" + TestData.NewId(), "https://registry.example/a");
        await app.AddBatchAsync(c.ProjectB, 2024, 10, "B-" + TestData.NewId(), "https://registry.example/b");
        // The callback goes out when the order is fulfilled.
        var order = await c.Live.PlaceOrderAsync(new { amount_kg = 1, notification_config = new { url = receiver.Url("/hook") } });
        await app.DrainOutboxAsync();
        var callback = Assert.Single(receiver.Requests);
        var sent = System.Text.Json.Nodes.JsonNode.Parse(callback.Body)!["order"]!;
        Assert.Equal(order["certificate_public_url"]!.GetValue<string>(), sent["certificate_public_url"]!.GetValue<string>());
        Assert.Equal(order["certificate_download_public_url"]!.GetValue<string>(), sent["certificate_download_public_url"]!.GetValue<string>());
    }
}

public abstract class PublicBaseUrlApp : CanopyApp
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
        [new("Canopy:PublicBaseUrl", PublicBaseUrlTests.BaseUrl + "/"), new("Callbacks:AllowPrivateTargets", "true")];
}

public sealed class PublicBaseUrlSqliteApp : PublicBaseUrlApp
{
    public override Db Db => Db.Sqlite;
}

public sealed class PublicBaseUrlPostgresApp : PublicBaseUrlApp
{
    public override Db Db => Db.Postgres;
}

public sealed class PublicBaseUrlTestsOnSqlite(PublicBaseUrlSqliteApp app) : PublicBaseUrlTests(app), IClassFixture<PublicBaseUrlSqliteApp>;

public sealed class PublicBaseUrlTestsOnPostgres(PublicBaseUrlPostgresApp app) : PublicBaseUrlTests(app), IClassFixture<PublicBaseUrlPostgresApp>;
