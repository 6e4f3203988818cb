using System.Net;
using System.Text.Json.Nodes;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Wren;

/// <summary>Credits can never be overspent, however many orders arrive at once (DESIGN §4).</summary>
public abstract class WrenCreditsConcurrencyTests(CanopyApp app)
{
    [Fact]
    public async Task FiftyConcurrentCreditOrdersSpendExactlyTheBalance()
    {
        const int requests = 50;
        const int affordable = 23;
        // A fresh project: its payable ledger account is created by the racing orders themselves.
        var (portfolio, _) = await app.SingleProjectPortfolioAsync(1_000);
        var account = await app.CreateAccountAsync(creditsUsdCents: affordable * 100 + 99); // 23 orders of 100 cents, 99 left over
        var clients = Enumerable.Range(0, requests).Select(_ => app.WithBasic(account.LiveToken)).ToList();

        using var start = new SemaphoreSlim(0);
        var tasks = clients.Select(async client =>
        {
            await start.WaitAsync(TestContext.Current.CancellationToken);
            return await client.PostJsonAsync("/api/offset-orders", new { tons = 0.1m, portfolioId = portfolio, paymentMethod = "credits" });
        }).ToList();
        start.Release(requests);
        var responses = await Task.WhenAll(tasks);

        var bodies = new List<(HttpStatusCode Status, JsonObject Body)>();
        foreach (var r in responses)
            bodies.Add((r.StatusCode, JsonNode.Parse(await r.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!.AsObject()));
        Assert.All(bodies, b => Assert.True(b.Status is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"{(int)b.Status}: {b.Body.ToJsonString()}"));
        var ok = bodies.Where(b => b.Status == HttpStatusCode.OK).Select(b => b.Body).ToList();
        Assert.Equal(affordable, ok.Count);
        Assert.All(bodies.Where(b => b.Status == HttpStatusCode.BadRequest), b => Assert.Equal(["message"], b.Body.Keys()));

        // Each successful order saw its own balance after it: 99, 199, …, 2299, each exactly once.
        Assert.Equal(Enumerable.Range(0, affordable).Select(i => 99L + 100 * i), ok.Select(b => b["creditsRemaining"].Long()).Order());
        Assert.Equal(affordable, ok.Select(b => b["id"].Str()).Distinct().Count());

        Assert.Equal(99, await app.CreditsAsync(account.Id));
        var footprint = await app.FootprintAsync(account.Id);
        Assert.Equal(affordable, footprint.Orders);
        Assert.Equal(99, footprint.CreditsUsdCents);
        await app.AssertLedgerSoundAsync();
    }
}

public sealed class WrenCreditsConcurrencyTestsOnSqlite(SqliteApp app) : WrenCreditsConcurrencyTests(app), IClassFixture<SqliteApp>;

public sealed class WrenCreditsConcurrencyTestsOnPostgres(PostgresApp app) : WrenCreditsConcurrencyTests(app), IClassFixture<PostgresApp>;
