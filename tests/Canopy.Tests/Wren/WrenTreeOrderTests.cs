using System.Net;
using System.Net.Http.Json;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Wren;

public abstract class WrenTreeOrderTests(CanopyApp app)
{
    private const string Url = "/api/tree-orders";

    /// <summary>
    /// Wren plants with one tree project (the first active one), so each test gives that project the price it
    /// expects. Tests of a class run one at a time, so the price holds for the test.
    /// </summary>
    private async Task<long> TreePriceAsync(long centsPerTree)
    {
        var admin = app.Admin();
        var projects = await admin.ListAllAsync("/admin/projects"); // newest first: the first in catalogue order is the last listed
        var first = projects.LastOrDefault(p => p!["kind"].Str() == "tree" && p["active"]!.GetValue<bool>());
        if (first is null) return (await app.CreateProjectAsync(centsPerTree, kind: "tree")).WrenId();
        var response = await admin.PatchAsJsonAsync($"/admin/projects/{first["id"].Str()}", new { cost_per_tree_usd_cents = centsPerTree }, TestContext.Current.CancellationToken);
        await response.ReadJsonAsync(HttpStatusCode.OK);
        return first["wren_id"].Long();
    }

    [Fact]
    public async Task CardTreeOrderReportsImpactTrees()
    {
        var project = await TreePriceAsync(150);
        var account = await app.CreateAccountAsync();
        await app.GiveCardAsync(account.Id);

        var body = await (await app.WithBasic(account.LiveToken).PostJsonAsync(Url, new { amountOfTrees = 3, note = "grove" })).ReadJsonAsync(HttpStatusCode.OK);

        Assert.Equal(["amountCharged", "amountInUsdCents", "currency", "dryRun", "id", "impact", "note", "projectId"], body.Keys());
        Assert.StartsWith("ch_", body["id"].Str(), StringComparison.Ordinal);
        Assert.Equal(["trees"], body["impact"].Keys());
        Assert.Equal(3, body["impact"]!["trees"].Long());
        Assert.Equal(450, body["amountCharged"].Long());
        Assert.Equal("USD", body["currency"].Str());
        Assert.Equal(project, body["projectId"].Long());
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task CreditsTreeOrderAnswersWithUuidAndCreditsRemaining()
    {
        await TreePriceAsync(25);
        var account = await app.CreateAccountAsync(new { name = "Euro Trees " + TestData.NewId(), currency = "EUR" }, creditsUsdCents: 1_000);

        // Credits have no minimum and are always USD, even for a euro account.
        var body = await (await app.WithBasic(account.LiveToken).PostJsonAsync(Url, new { amountOfTrees = 2, paymentMethod = "credits" })).ReadJsonAsync(HttpStatusCode.OK);

        Assert.Equal(["amountCharged", "amountInUsdCents", "creditsRemaining", "currency", "dryRun", "id", "impact", "paymentMethod", "projectId"], body.Keys());
        Assert.True(Guid.TryParse(body["id"].Str(), out _));
        Assert.Equal("USD", body["currency"].Str());
        Assert.Equal(50, body["amountCharged"].Long());
        Assert.Equal(950, body["creditsRemaining"].Long());
        Assert.Equal(950, await app.CreditsAsync(account.Id));
    }

    [Fact]
    public async Task CardTreeOrderInEuroAndBelowMinimum()
    {
        await app.SetFxRateAsync("EUR", 0.92m);
        await TreePriceAsync(99);
        var account = await app.CreateAccountAsync(new { name = "Euro Trees " + TestData.NewId(), currency = "EUR" });
        await app.GiveCardAsync(account.Id);
        var client = app.WithBasic(account.LiveToken);
        var before = await app.FootprintAsync(account.Id);

        var message = await (await client.PostJsonAsync(Url, new { amountOfTrees = 1 })).ReadWrenErrorAsync(HttpStatusCode.BadRequest);
        Assert.Contains("credits", message, StringComparison.Ordinal);
        Assert.Equal(before, await app.FootprintAsync(account.Id));

        var body = await (await client.PostJsonAsync(Url, new { amountOfTrees = 7 })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("EUR", body["currency"].Str());
        Assert.Equal(693, body["amountInUsdCents"].Long());
        Assert.Equal(638, body["amountCharged"].Long()); // ceil(693 × 0.92) = ceil(637.56)
    }

    [Fact]
    public async Task FormBodyAnswersExactlyAsJson()
    {
        await TreePriceAsync(120);
        var account = await app.CreateAccountAsync(creditsUsdCents: 10_000);
        var client = app.WithBasic(account.LiveToken);
        var json = await (await client.PostJsonAsync(Url, new { amountOfTrees = 5, paymentMethod = "credits", dryRun = true })).ReadJsonAsync(HttpStatusCode.OK);
        var form = await (await client.PostFormAsync(Url, ("amountOfTrees", "5"), ("paymentMethod", "credits"), ("dryRun", "true"))).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(json.ToJsonString(), form.ToJsonString());
        Assert.Null(form["id"]);
        Assert.Equal(600, form["amountCharged"].Long());
        Assert.Equal(9_400, form["creditsRemaining"].Long());
        Assert.Equal(10_000, await app.CreditsAsync(account.Id));
    }

    [Fact]
    public async Task PreviewPricesInUsdAndTheUsersCurrency()
    {
        await app.SetFxRateAsync("EUR", 0.92m);
        await TreePriceAsync(155);
        var usd = await app.CreateAccountAsync();
        var eur = await app.CreateAccountAsync(new { name = "Euro Trees " + TestData.NewId(), currency = "EUR" });

        var inUsd = await (await app.WithBasic(usd.LiveToken).PostJsonAsync(Url + "/preview", new { amountOfTrees = 10 })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(["amountOfTrees", "currency", "priceInUSD", "priceInUserCurrency"], inUsd.Keys());
        Assert.Equal(10, inUsd["amountOfTrees"].Long());
        Assert.Equal(15.5m, inUsd["priceInUSD"].Dec());
        Assert.Equal(15.5m, inUsd["priceInUserCurrency"].Dec());
        Assert.Equal("USD", inUsd["currency"].Str());

        var inEur = await (await app.WithBasic(eur.LiveToken).PostFormAsync(Url + "/preview", ("amountOfTrees", "10"))).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(15.5m, inEur["priceInUSD"].Dec());
        Assert.Equal(14.26m, inEur["priceInUserCurrency"].Dec()); // 1550 × 0.92 = 1426 euro cents
        Assert.Equal("EUR", inEur["currency"].Str());

        var message = await (await app.WithBasic(usd.LiveToken).PostJsonAsync(Url + "/preview", new { amountOfTrees = 0 })).ReadWrenErrorAsync(HttpStatusCode.BadRequest);
        Assert.Contains("amountOfTrees", message, StringComparison.Ordinal);
        Assert.Equal(0, (await app.FootprintAsync(usd.Id)).Orders);
    }

    [Fact]
    public async Task ListShowsOnlyTheCallersLiveTreeOrdersNewestFirst()
    {
        await TreePriceAsync(100);
        var account = await app.CreateAccountAsync(creditsUsdCents: 10_000);
        var other = await app.CreateAccountAsync(creditsUsdCents: 10_000);
        var client = app.WithBasic(account.LiveToken);
        var first = await (await client.PostJsonAsync(Url, new { amountOfTrees = 2, paymentMethod = "credits", note = "one" })).ReadJsonAsync(HttpStatusCode.OK);
        var second = await (await client.PostJsonAsync(Url, new { amountOfTrees = 3, paymentMethod = "credits" })).ReadJsonAsync(HttpStatusCode.OK);
        await (await app.WithBasic(other.LiveToken).PostJsonAsync(Url, new { amountOfTrees = 4, paymentMethod = "credits" })).ReadJsonAsync(HttpStatusCode.OK);
        await (await client.PostJsonAsync(Url, new { amountOfTrees = 9, paymentMethod = "credits", dryRun = true })).ReadJsonAsync(HttpStatusCode.OK);
        await (await app.WithBasic(account.TestToken).PostJsonAsync(Url, new { amountOfTrees = 9, paymentMethod = "credits" })).ReadJsonAsync(HttpStatusCode.OK);

        var list = await client.GetJsonAsync(Url);
        Assert.Equal(["totalTrees", "treeOrders"], list.Keys());
        var rows = list["treeOrders"]!.AsArray();
        Assert.Equal([second["id"].Str(), first["id"].Str()], rows.Select(r => r!["id"].Str()));
        Assert.Equal(["amount_charged", "amount_of_trees", "amount_paid_by_customer", "created_at", "currency", "id", "note", "project_id"], rows[0].Keys());
        Assert.Equal(3, rows[0]!["amount_of_trees"].Long());
        Assert.Equal(300, rows[0]!["amount_charged"].Long());
        Assert.Equal("one", rows[1]!["note"].Str());
        Assert.Equal(5, list["totalTrees"].Long());
    }
}

public sealed class WrenTreeOrderTestsOnSqlite(SqliteApp app) : WrenTreeOrderTests(app), IClassFixture<SqliteApp>;

public sealed class WrenTreeOrderTestsOnPostgres(PostgresApp app) : WrenTreeOrderTests(app), IClassFixture<PostgresApp>;
