using System.Net;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Wren;

/// <summary>Wren test tokens (wren_test_…): full validation, canned answers, nothing written (DESIGN §7).</summary>
public abstract class WrenTestModeTests(CanopyApp app)
{
    [Fact]
    public async Task TestTokensLookLikeWrens()
    {
        var account = await app.CreateAccountAsync();
        Assert.StartsWith("wren_test_", account.TestToken, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OffsetOrderWithTestTokenIsCannedAndWritesNothing()
    {
        await app.SetFxRateAsync("EUR", 0.92m);
        var (portfolio, _) = await app.SingleProjectPortfolioAsync(2_000);
        // A euro account with real credits and a card: the test answer still uses USD and the fixed test balance.
        var account = await app.CreateAccountAsync(new { name = "Test Mode Co " + TestData.NewId(), currency = "EUR" }, creditsUsdCents: 500);
        await app.GiveCardAsync(account.Id);
        var client = app.WithBasic(account.TestToken);
        var before = await app.FootprintAsync(account.Id);

        var credits = await (await client.PostJsonAsync("/api/offset-orders", new { tons = 1.5m, portfolioId = portfolio, paymentMethod = "credits" })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(["amountCharged", "amountInUsdCents", "creditsRemaining", "currency", "dryRun", "id", "paymentMethod", "portfolioId", "test", "tons"], credits.Keys());
        Assert.True(credits["test"]!.GetValue<bool>());
        Assert.StartsWith("test_oo_", credits["id"].Str(), StringComparison.Ordinal);
        Assert.Equal("USD", credits["currency"].Str());
        Assert.Equal(3_000, credits["amountCharged"].Long());
        Assert.Equal(97_000, credits["creditsRemaining"].Long());

        var card = await (await client.PostFormAsync("/api/offset-orders", ("tons", "1.5"), ("portfolioId", portfolio.ToString(System.Globalization.CultureInfo.InvariantCulture))))
            .ReadJsonAsync(HttpStatusCode.OK);
        Assert.StartsWith("test_oo_", card["id"].Str(), StringComparison.Ordinal);
        Assert.Equal("USD", card["currency"].Str());
        Assert.Equal(3_000, card["amountCharged"].Long());
        Assert.True(card["test"]!.GetValue<bool>());

        var dry = await (await client.PostJsonAsync("/api/offset-orders", new { tons = 1.5m, portfolioId = portfolio, dryRun = true })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Null(dry["id"]);
        Assert.True(dry["test"]!.GetValue<bool>());

        Assert.Equal(before, await app.FootprintAsync(account.Id));
        Assert.Equal(500, await app.CreditsAsync(account.Id));
    }

    [Fact]
    public async Task ProjectAndTreeOrdersWithTestTokenHaveTheirPrefixes()
    {
        var project = await app.CreateProjectAsync(1_000);
        await app.CreateProjectAsync(200, kind: "tree");
        var account = await app.CreateAccountAsync();
        var client = app.WithBasic(account.TestToken);
        var before = await app.FootprintAsync(account.Id);

        var projectOrder = await (await client.PostJsonAsync("/api/project-orders", new { projectId = project.WrenId(), amountInUsdCents = 500 })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.StartsWith("test_po_", projectOrder["id"].Str(), StringComparison.Ordinal);
        Assert.True(projectOrder["test"]!.GetValue<bool>());
        Assert.Equal(0.5m, projectOrder["impact"]!["tons"].Dec());

        var treeOrder = await (await client.PostJsonAsync("/api/tree-orders", new { amountOfTrees = 4, paymentMethod = "credits" })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.StartsWith("test_to_", treeOrder["id"].Str(), StringComparison.Ordinal);
        Assert.True(treeOrder["test"]!.GetValue<bool>());
        Assert.Equal("USD", treeOrder["currency"].Str());
        Assert.Equal(4, treeOrder["impact"]!["trees"].Long());
        Assert.Equal(100_000 - treeOrder["amountCharged"].Long(), treeOrder["creditsRemaining"].Long());

        var preview = await (await client.PostJsonAsync("/api/tree-orders/preview", new { amountOfTrees = 4 })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.True(preview["test"]!.GetValue<bool>());
        Assert.Equal("USD", preview["currency"].Str());

        Assert.Equal(before, await app.FootprintAsync(account.Id));
    }

    [Fact]
    public async Task CreditsAboveTheFixedTestBalanceAre400()
    {
        var (portfolio, _) = await app.SingleProjectPortfolioAsync(1_000);
        var account = await app.CreateAccountAsync(creditsUsdCents: 10_000_000); // real credits do not count in test mode
        var client = app.WithBasic(account.TestToken);
        var before = await app.FootprintAsync(account.Id);

        var exactly = await (await client.PostJsonAsync("/api/offset-orders", new { tons = 100, portfolioId = portfolio, paymentMethod = "credits" })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(0, exactly["creditsRemaining"].Long());
        await (await client.PostJsonAsync("/api/offset-orders", new { tons = 100.001m, portfolioId = portfolio, paymentMethod = "credits" }))
            .ReadWrenErrorAsync(HttpStatusCode.BadRequest);
        Assert.Equal(before, await app.FootprintAsync(account.Id));
    }

    [Fact]
    public async Task TestTokensStillValidate()
    {
        var account = await app.CreateAccountAsync();
        var client = app.WithBasic(account.TestToken);
        var message = await (await client.PostJsonAsync("/api/offset-orders", new { tons = -1 })).ReadWrenErrorAsync(HttpStatusCode.BadRequest);
        Assert.Contains("tons", message, StringComparison.Ordinal);
        message = await (await client.PostJsonAsync("/api/project-orders", new { projectId = 1, amountInUsdCents = 50 })).ReadWrenErrorAsync(HttpStatusCode.BadRequest);
        Assert.Contains("amountInUsdCents", message, StringComparison.Ordinal);
        message = await (await client.PostJsonAsync("/api/tree-orders", new { amountOfTrees = 2, paymentMethod = "bitcoin" })).ReadWrenErrorAsync(HttpStatusCode.BadRequest);
        Assert.Contains("paymentMethod", message, StringComparison.Ordinal);
        var (portfolio, _) = await app.SingleProjectPortfolioAsync(1_000);
        message = await (await client.PostJsonAsync("/api/offset-orders", new { tons = 0.05m, portfolioId = portfolio })).ReadWrenErrorAsync(HttpStatusCode.BadRequest);
        Assert.Contains("credits", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListsForTestTokensAreCannedSamples()
    {
        var (portfolio, _) = await app.SingleProjectPortfolioAsync(1_000);
        var account = await app.CreateAccountAsync(creditsUsdCents: 10_000);
        await (await app.WithBasic(account.LiveToken).PostJsonAsync("/api/offset-orders", new { tons = 1, portfolioId = portfolio, paymentMethod = "credits" }))
            .ReadJsonAsync(HttpStatusCode.OK);
        var client = app.WithBasic(account.TestToken);

        var offsets = await client.GetJsonAsync("/api/offset-orders");
        Assert.Equal(["offsetOrders", "stats", "test", "uncertifiedOffsetOrders"], offsets.Keys());
        Assert.True(offsets["test"]!.GetValue<bool>());
        var row = Assert.Single(offsets["offsetOrders"]!.AsArray());
        Assert.StartsWith("test_oo_", row!["order_id"].Str(), StringComparison.Ordinal);
        Assert.All(offsets["uncertifiedOffsetOrders"]!.AsArray(), r => Assert.StartsWith("test_", r!["order_id"].Str(), StringComparison.Ordinal));

        var trees = await client.GetJsonAsync("/api/tree-orders");
        Assert.True(trees["test"]!.GetValue<bool>());
        Assert.All(trees["treeOrders"]!.AsArray(), r => Assert.StartsWith("test_to_", r!["id"].Str(), StringComparison.Ordinal));
        Assert.NotEmpty(trees["treeOrders"]!.AsArray());
    }
}

public sealed class WrenTestModeTestsOnSqlite(SqliteApp app) : WrenTestModeTests(app), IClassFixture<SqliteApp>;

public sealed class WrenTestModeTestsOnPostgres(PostgresApp app) : WrenTestModeTests(app), IClassFixture<PostgresApp>;
