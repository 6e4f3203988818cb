using System.Net;
using System.Text.Json.Nodes;
using Canopy.Data;
using Canopy.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Tests.Wren;

/// <summary>GET /api/offset-orders (the caller's own orders, stats and rank) and the public feed.</summary>
public abstract class WrenListTests(CanopyApp app)
{
    private static readonly string[] RowKeys =
        ["amount_paid_by_customer", "certified", "created_at", "id", "note", "on_behalf_of_name", "order_id", "portfolio_id", "project_id", "project_name", "tons"];

    [Fact]
    public async Task OrdersAreListedAsCertifiedAndUncertifiedRowsWithStats()
    {
        var certified = await app.CreateProjectAsync(1_000, certified: true);
        var uncertified = await app.CreateProjectAsync(3_000, certified: false);
        var portfolio = await app.CreatePortfolioAsync((certified.PublicId(), 0.5m), (uncertified.PublicId(), 0.5m));
        var account = await app.CreateAccountAsync(creditsUsdCents: 100_000);
        var client = app.WithBasic(account.LiveToken);

        var order = await (await client.PostJsonAsync("/api/offset-orders", new
        {
            tons = 2, portfolioId = portfolio.WrenId(), paymentMethod = "credits", note = "Q3", onBehalfOfName = "Ada", onBehalfOfEmail = "ada@example.com",
        })).ReadJsonAsync(HttpStatusCode.OK);

        var list = await client.GetJsonAsync("/api/offset-orders");
        Assert.Equal(["offsetOrders", "stats", "uncertifiedOffsetOrders"], list.Keys());

        var row = Assert.Single(list["offsetOrders"]!.AsArray())!;
        Assert.Equal(RowKeys, row.Keys());
        Assert.Equal(order["id"].Str(), row["order_id"].Str());
        Assert.Equal(1m, row["tons"].Dec());
        Assert.Equal(1_000m, row["amount_paid_by_customer"].Dec());
        Assert.True(row["certified"]!.GetValue<bool>());
        Assert.Equal(certified.WrenId(), row["project_id"].Long());
        Assert.Equal(certified["name"].Str(), row["project_name"].Str());
        Assert.Equal(portfolio.WrenId(), row["portfolio_id"].Long());
        Assert.Equal("Q3", row["note"].Str());
        Assert.Equal("Ada", row["on_behalf_of_name"].Str());

        var other = Assert.Single(list["uncertifiedOffsetOrders"]!.AsArray())!;
        Assert.Equal(RowKeys, other.Keys());
        Assert.False(other["certified"]!.GetValue<bool>());
        Assert.Equal(uncertified.WrenId(), other["project_id"].Long());
        Assert.Equal(3_000m, other["amount_paid_by_customer"].Dec());

        // Only certified tonnes count towards the total.
        var stats = list["stats"]!;
        Assert.Equal(["percentile", "rank", "totalTons"], stats.Keys());
        Assert.Equal(1m, stats["totalTons"].Dec());
    }

    [Fact]
    public async Task StatsOmitRankAndPercentileWithoutCertifiedTonnes()
    {
        var fresh = await app.CreateAccountAsync();
        var empty = await app.WithBasic(fresh.LiveToken).GetJsonAsync("/api/offset-orders");
        Assert.Empty(empty["offsetOrders"]!.AsArray());
        Assert.Empty(empty["uncertifiedOffsetOrders"]!.AsArray());
        Assert.Equal(["totalTons"], empty["stats"].Keys());
        Assert.Equal(0m, empty["stats"]!["totalTons"].Dec());

        var (portfolio, _) = await app.SingleProjectPortfolioAsync(1_000, certified: false);
        var account = await app.CreateAccountAsync(creditsUsdCents: 10_000);
        await (await app.WithBasic(account.LiveToken).PostJsonAsync("/api/offset-orders", new { tons = 1, portfolioId = portfolio, paymentMethod = "credits" }))
            .ReadJsonAsync(HttpStatusCode.OK);
        var uncertifiedOnly = await app.WithBasic(account.LiveToken).GetJsonAsync("/api/offset-orders");
        Assert.Single(uncertifiedOnly["uncertifiedOffsetOrders"]!.AsArray());
        Assert.Equal(["totalTons"], uncertifiedOnly["stats"].Keys());
    }

    [Fact]
    public async Task RankAndPercentileFollowCertifiedTonnesAcrossAccounts()
    {
        var (cheap, _) = await app.SingleProjectPortfolioAsync(1);
        var big = await app.CreateAccountAsync(creditsUsdCents: 10_000_000);
        var small = await app.CreateAccountAsync(creditsUsdCents: 10_000);
        await (await app.WithBasic(big.LiveToken).PostJsonAsync("/api/offset-orders", new { tons = 5_000_000, portfolioId = cheap, paymentMethod = "credits" }))
            .ReadJsonAsync(HttpStatusCode.OK);
        await (await app.WithBasic(small.LiveToken).PostJsonAsync("/api/offset-orders", new { tons = 0.5m, portfolioId = cheap, paymentMethod = "credits" }))
            .ReadJsonAsync(HttpStatusCode.OK);

        var top = (await app.WithBasic(big.LiveToken).GetJsonAsync("/api/offset-orders"))["stats"]!;
        Assert.Equal(5_000_000m, top["totalTons"].Dec());
        Assert.Equal(1, top["rank"].Long());
        Assert.Equal(100m, top["percentile"].Dec());

        var low = (await app.WithBasic(small.LiveToken).GetJsonAsync("/api/offset-orders"))["stats"]!;
        Assert.Equal(0.5m, low["totalTons"].Dec());
        var (rank, percentile) = await ExpectedRankAsync(small.Id);
        Assert.True(rank > 1);
        Assert.Equal(rank, low["rank"].Long());
        Assert.Equal(percentile, low["percentile"].Dec());
    }

    [Fact]
    public async Task ListShowsOnlyTheCallersOwnLiveOrders()
    {
        var (portfolio, _) = await app.SingleProjectPortfolioAsync(1_000);
        var mine = await app.CreateAccountAsync(creditsUsdCents: 10_000);
        var theirs = await app.CreateAccountAsync(creditsUsdCents: 10_000);
        var a = await (await app.WithBasic(mine.LiveToken).PostJsonAsync("/api/offset-orders", new { tons = 1, portfolioId = portfolio, paymentMethod = "credits" })).ReadJsonAsync(HttpStatusCode.OK);
        var b = await (await app.WithBasic(mine.LiveToken).PostJsonAsync("/api/offset-orders", new { tons = 2, portfolioId = portfolio, paymentMethod = "credits" })).ReadJsonAsync(HttpStatusCode.OK);
        var x = await (await app.WithBasic(theirs.LiveToken).PostJsonAsync("/api/offset-orders", new { tons = 3, portfolioId = portfolio, paymentMethod = "credits" })).ReadJsonAsync(HttpStatusCode.OK);
        await (await app.WithBasic(mine.LiveToken).PostJsonAsync("/api/offset-orders", new { tons = 4, portfolioId = portfolio, paymentMethod = "credits", dryRun = true })).ReadJsonAsync(HttpStatusCode.OK);
        await (await app.WithBasic(mine.TestToken).PostJsonAsync("/api/offset-orders", new { tons = 5, portfolioId = portfolio, paymentMethod = "credits" })).ReadJsonAsync(HttpStatusCode.OK);

        var list = await app.WithBearer(mine.LiveToken).GetJsonAsync("/api/offset-orders");
        var ids = AllRows(list).Select(r => r["order_id"].Str()).ToList();
        Assert.Equal([b["id"].Str(), a["id"].Str()], ids); // newest first
        Assert.DoesNotContain(x["id"].Str(), ids);
        Assert.Equal(3m, list["stats"]!["totalTons"].Dec());

        var theirList = await app.WithBasic(theirs.LiveToken).GetJsonAsync("/api/offset-orders");
        Assert.Equal([x["id"].Str()], AllRows(theirList).Select(r => r["order_id"].Str()));
    }

    [Fact]
    public async Task PublicFeedShowsTheThirtyNewestOrdersOfOptedInAccountsWithoutAuth()
    {
        var (portfolio, _) = await app.SingleProjectPortfolioAsync(1_000);
        var name = "Public Co " + TestData.NewId();
        var opted = await app.CreateAccountAsync(new { name, public_feed_opt_in = true }, creditsUsdCents: 100_000);
        var hidden = await app.CreateAccountAsync(creditsUsdCents: 100_000);
        var client = app.WithBasic(opted.LiveToken);
        var placed = new List<string>();
        for (var i = 1; i <= 32; i++)
        {
            var order = await (await client.PostJsonAsync("/api/offset-orders", new { tons = i / 100m, portfolioId = portfolio, paymentMethod = "credits" })).ReadJsonAsync(HttpStatusCode.OK);
            placed.Add(order["id"].Str());
        }
        var secret = await (await app.WithBasic(hidden.LiveToken).PostJsonAsync("/api/offset-orders", new { tons = 1, portfolioId = portfolio, paymentMethod = "credits" }))
            .ReadJsonAsync(HttpStatusCode.OK);
        await (await app.WithBasic(opted.TestToken).PostJsonAsync("/api/offset-orders", new { tons = 1, portfolioId = portfolio, paymentMethod = "credits" }))
            .ReadJsonAsync(HttpStatusCode.OK);
        Feed.Invalidate();

        var feed = await app.Anonymous().GetJsonAsync("/api/offset-orders/public");
        Assert.Equal(["offsetOrders"], feed.Keys());
        var rows = feed["offsetOrders"]!.AsArray().Select(r => r!.AsObject()).ToList();
        Assert.Equal(30, rows.Count);
        Assert.Equal(Enumerable.Reverse(placed).Take(30), rows.Select(r => r["id"].Str()));
        Assert.DoesNotContain(secret["id"].Str(), rows.Select(r => r["id"].Str()));
        Assert.Equal(["created_at", "id", "name", "portfolio_id", "portfolio_name", "tons"], rows[0].Keys());
        Assert.Equal(name, rows[0]["name"].Str());
        Assert.Equal(0.32m, rows[0]["tons"].Dec());
        Assert.Equal(portfolio, rows[0]["portfolio_id"].Long());
        var times = rows.Select(r => r["created_at"]!.GetValue<DateTime>()).ToList();
        Assert.Equal(times.OrderByDescending(t => t), times);

        // Cached: an order placed now shows up only after the refresh.
        var later = await (await client.PostJsonAsync("/api/offset-orders", new { tons = 1, portfolioId = portfolio, paymentMethod = "credits" })).ReadJsonAsync(HttpStatusCode.OK);
        var cached = await app.Anonymous().GetJsonAsync("/api/offset-orders/public");
        Assert.Equal(feed.ToJsonString(), cached.ToJsonString());
        Feed.Invalidate();
        var refreshed = await app.Anonymous().GetJsonAsync("/api/offset-orders/public");
        Assert.Equal(later["id"].Str(), refreshed["offsetOrders"]![0]!["id"].Str());

        // Opting out hides every order of the account.
        await app.PatchAccountAsync(opted.Id, new { public_feed_opt_in = false });
        Feed.Invalidate();
        var after = await app.Anonymous().GetJsonAsync("/api/offset-orders/public");
        var remaining = after["offsetOrders"]!.AsArray().Select(r => r!["id"].Str()).ToList();
        Assert.DoesNotContain(later["id"].Str(), remaining);
        Assert.Empty(remaining.Intersect(placed));
    }

    private Canopy.Impact.PublicFeed Feed => app.Services.GetRequiredService<Canopy.Impact.PublicFeed>();

    private static IEnumerable<JsonObject> AllRows(JsonObject list) =>
        list["offsetOrders"]!.AsArray().Concat(list["uncertifiedOffsetOrders"]!.AsArray()).Select(r => r!.AsObject()).OrderByDescending(r => r["id"].Long());

    /// <summary>Rank and percentile as DESIGN defines them, straight from the per-account totals.</summary>
    private async Task<(long Rank, decimal Percentile)> ExpectedRankAsync(long accountId)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        var mine = await db.AccountTotals.Where(t => t.AccountId == accountId).Select(t => t.CertifiedGrams).SingleAsync(ct);
        var above = await db.AccountTotals.CountAsync(t => t.CertifiedGrams > mine, ct);
        var ranked = await db.AccountTotals.CountAsync(t => t.CertifiedGrams > 0, ct);
        return (above + 1, decimal.Round(100m * (ranked - above) / ranked, 1));
    }
}

public sealed class WrenListTestsOnSqlite(SqliteApp app) : WrenListTests(app), IClassFixture<SqliteApp>;

public sealed class WrenListTestsOnPostgres(PostgresApp app) : WrenListTests(app), IClassFixture<PostgresApp>;
