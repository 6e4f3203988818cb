using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Canopy.Tests.Cnaught;
using Canopy.Tests.Infrastructure;
using Canopy.Tests.Wren;

namespace Canopy.Tests.Trust;

/// <summary>
/// Races on one account's balance through both dialects at once (DESIGN §4): exactly the affordable number of orders
/// succeed and the balance ends exact; concurrent cancels refund once; concurrent top-ups with one reference credit once.
/// The customer's portfolio prices 4 kg at exactly 10 ¢ (CnaughtKit).
/// </summary>
public abstract class ConcurrencyTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<T[]> RaceAsync<T>(int n, Func<int, Task<T>> action)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, n).Select(async i =>
        {
            await gate.Task;
            return await action(i);
        }).ToList();
        gate.SetResult();
        return await Task.WhenAll(tasks);
    }

    [Fact]
    public async Task CreditOrdersOfBothDialectsAgainstOneBalanceSpendExactlyIt()
    {
        const int affordable = 15;
        var c = await app.CreateCnaughtCustomerAsync(billing: "credits", credits: affordable * 10 + 7);
        var results = await RaceAsync(40, async i =>
        {
            var response = i % 2 == 0
                ? await app.WithBasic(c.Account.LiveToken).PostRawAsync("/api/offset-orders", """{"tons":0.004,"paymentMethod":"credits"}""")
                : await c.Live.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 4 });
            return (i % 2 == 0 ? "wren" : "cnaught", response.StatusCode, Body: await response.Content.ReadAsStringAsync(Ct));
        });
        Assert.All(results, r => Assert.True(
            r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created or HttpStatusCode.BadRequest or HttpStatusCode.Forbidden,
            $"{r.Item1}: {(int)r.StatusCode} {r.Body}"));
        var ok = results.Count(r => r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created);
        Assert.Equal(affordable, ok);
        // CNaught refuses an unaffordable order as 403 "Insufficient credits", Wren as 400 (its pages: "insufficient credit balance"): nothing else.
        Assert.All(results.Where(r => r.Item1 == "cnaught" && r.StatusCode == HttpStatusCode.Forbidden),
            r => Assert.Contains("Insufficient credits", r.Body, StringComparison.Ordinal));
        Assert.All(results.Where(r => r.Item1 == "wren"), r => Assert.NotEqual(HttpStatusCode.Forbidden, r.StatusCode));
        Assert.Equal(7, await app.CreditsAsync(c.Account.Id));
        var footprint = await app.FootprintAsync(c.Account.Id);
        Assert.Equal(affordable, footprint.Orders);
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task ConcurrentCancelsOfACreditsOrderRefundItOnceWhileOrdersRaceForTheRefund()
    {
        var c = await app.CreateCnaughtCustomerAsync(billing: "credits", credits: 10);
        var order = await c.Live.PlaceOrderAsync(new { amount_kg = 4 });
        Assert.Equal(0, await app.CreditsAsync(c.Account.Id));
        var id = order["id"]!.GetValue<string>();
        var results = await RaceAsync(16, async i =>
        {
            var response = i % 2 == 0
                ? await c.Live.SendAsync(HttpMethod.Post, $"/v1/orders/{id}/cancel")
                : await app.WithBasic(c.Account.LiveToken).PostRawAsync("/api/offset-orders", """{"tons":0.004,"paymentMethod":"credits"}""");
            return (Cancel: i % 2 == 0, response.StatusCode, Body: await response.Content.ReadAsStringAsync(Ct));
        });
        var cancels = results.Where(r => r.Cancel).ToList();
        Assert.Single(cancels, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(cancels.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.True(r.StatusCode == HttpStatusCode.Forbidden, $"{(int)r.StatusCode} {r.Body}"));
        var orders = results.Where(r => !r.Cancel).ToList();
        Assert.All(orders, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"{(int)r.StatusCode} {r.Body}"));
        var spent = orders.Count(r => r.StatusCode == HttpStatusCode.OK);
        Assert.True(spent <= 1, $"{spent} orders spent one 10 ¢ refund.");
        Assert.Equal(10 - 10 * spent, await app.CreditsAsync(c.Account.Id));
        Assert.Equal("cancelled", (await c.Live.GetJsonAsync($"/v1/orders/{id}"))["state"]!.GetValue<string>());
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task ConcurrentTopUpsWithOneReferenceCreditOnceWhileOrdersSpend()
    {
        var c = await app.CreateCnaughtCustomerAsync(billing: "credits", credits: 0);
        var reference = "wire-" + TestData.NewId();
        var results = await RaceAsync(20, async i =>
        {
            var response = i % 2 == 0
                ? await app.Admin().PostAsJsonAsync($"/admin/accounts/{c.Account.Id}/credits", new { amount_usd_cents = 100, reference }, Ct)
                : await app.WithBasic(c.Account.LiveToken).PostRawAsync("/api/offset-orders", """{"tons":0.004,"paymentMethod":"credits"}""");
            return (TopUp: i % 2 == 0, response.StatusCode);
        });
        Assert.Single(results, r => r.TopUp && r.StatusCode == HttpStatusCode.OK);
        Assert.All(results.Where(r => r.TopUp && r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Conflict, r.StatusCode));
        var spent = results.Count(r => !r.TopUp && r.StatusCode == HttpStatusCode.OK);
        Assert.Equal(100 - 10 * spent, await app.CreditsAsync(c.Account.Id));
        Assert.Equal(spent, (await app.FootprintAsync(c.Account.Id)).Orders);
        await app.AssertLedgerSoundAsync();
    }
}

public sealed class ConcurrencyTestsOnSqlite(SqliteApp app) : ConcurrencyTests(app), IClassFixture<SqliteApp>;

public sealed class ConcurrencyTestsOnPostgres(PostgresApp app) : ConcurrencyTests(app), IClassFixture<PostgresApp>;
