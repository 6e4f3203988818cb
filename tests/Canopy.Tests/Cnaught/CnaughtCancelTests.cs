using System.Net;
using System.Text.Json.Nodes;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Cnaught;

public abstract class CnaughtCancelTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<JsonObject> CancelAsync(CnaughtCustomer c, string id, HttpStatusCode expected = HttpStatusCode.OK) =>
        await (await c.Live.SendAsync(HttpMethod.Post, $"/v1/orders/{id}/cancel")).ReadJsonAsync(expected);

    [Fact]
    public async Task CancelReturnsTheCancelledOrderAndASecondCancelIsForbidden()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var order = await c.Live.PlaceOrderAsync(new { amount_kg = 10, metadata = "keep" });
        var id = order["id"]!.GetValue<string>();

        var response = await c.Live.SendAsync(HttpMethod.Post, $"/v1/orders/{id}/cancel");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var cancelled = await response.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(CnaughtKit.OrderKeys, cancelled.Keys());
        Assert.Equal("cancelled", cancelled["state"]!.GetValue<string>());
        foreach (var key in new[] { "id", "order_number", "amount_kg", "created_on", "metadata", "price_usd_cents", "project_allocations" })
            Assert.True(JsonNode.DeepEquals(order[key], cancelled[key]), key);
        Assert.Null(cancelled["certificate_public_url"]);
        Assert.Null(cancelled["certificate_download_public_url"]);
        Assert.True(JsonNode.DeepEquals(cancelled, await c.Live.GetJsonAsync($"/v1/orders/{id}")));

        var again = await c.Live.SendAsync(HttpMethod.Post, $"/v1/orders/{id}/cancel");
        await again.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden", "Order already cancelled");
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task CancellingARideOrderKeepsItsDistance()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var ride = await (await c.Live.SendAsync(HttpMethod.Post, "/v1/orders/ride", new { distance_km = 12 })).ReadJsonAsync(HttpStatusCode.Created);
        var cancelled = await CancelAsync(c, ride["id"]!.GetValue<string>());
        Assert.Equal(CnaughtKit.RideOrderKeys, cancelled.Keys());
        Assert.Equal(12m, cancelled["distance_km"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task CreditsComeBackOnCancel()
    {
        var c = await app.CreateCnaughtCustomerAsync(billing: "credits", credits: 1_000);
        var order = await c.Live.PlaceOrderAsync(new { amount_kg = 10 });
        Assert.Equal(975, await app.CreditsAsync(c.Account.Id));

        await CancelAsync(c, order["id"]!.GetValue<string>());
        Assert.Equal(1_000, await app.CreditsAsync(c.Account.Id));

        await CancelAsync(c, order["id"]!.GetValue<string>(), HttpStatusCode.Forbidden);
        Assert.Equal(1_000, await app.CreditsAsync(c.Account.Id));
        var kinds = (await app.LedgerOfAsync(c.Account.Id)).Select(t => t.Kind).ToArray();
        Assert.Equal(["credits_topup", "order_payment", "order_refund"], kinds);
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task InsufficientCreditsIsForbiddenAndChargesNothing()
    {
        var c = await app.CreateCnaughtCustomerAsync(billing: "credits", credits: 10);
        await (await c.Live.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 10 })).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(10, await app.CreditsAsync(c.Account.Id));
        Assert.Equal(0, await app.OrderCountAsync(c.Account.Id));
    }

    [Fact]
    public async Task InvoiceCancelPostsAReversingLedgerTransaction()
    {
        var c = await app.CreateCnaughtCustomerAsync(billing: "invoice");
        var order = await c.Live.PlaceOrderAsync(new { amount_kg = 10 });
        var id = order["id"]!.GetValue<string>();
        await CancelAsync(c, id);

        var ledger = await app.LedgerOfAsync(c.Account.Id);
        Assert.Equal(2, ledger.Count);
        var (payment, refund) = (ledger[0], ledger[1]);
        Assert.Equal(("order_payment", $"order:{id}:payment"), (payment.Kind, payment.Key));
        Assert.Equal(("order_refund", $"order:{id}:refund"), (refund.Kind, refund.Key));
        // The refund is the payment with every sign flipped: nothing updated, nothing deleted.
        var paid = payment.Entries.GroupBy(e => e.LedgerAccountId).ToDictionary(g => g.Key, g => g.Sum(e => e.Amount));
        var refunded = refund.Entries.GroupBy(e => e.LedgerAccountId).ToDictionary(g => g.Key, g => g.Sum(e => e.Amount));
        Assert.Equal(paid.Keys.Order(), refunded.Keys.Order());
        Assert.All(paid, kv => Assert.Equal(-kv.Value, refunded[kv.Key]));
        Assert.Equal(25, paid.Values.Where(v => v > 0).Sum());
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task CardCancelRefundsThroughTheLedger()
    {
        var c = await app.CreateCnaughtCustomerAsync(billing: "none");
        await app.Admin().PostJsonAsync($"/admin/accounts/{c.Account.Id}/card", new { payment_method = "pm_card_visa" }, HttpStatusCode.OK);
        var order = await c.Live.PlaceOrderAsync(new { amount_kg = 40 });
        Assert.Equal(100, order["price_usd_cents"]!.GetValue<long>());
        await CancelAsync(c, order["id"]!.GetValue<string>());
        Assert.Equal(["order_payment", "order_refund"], (await app.LedgerOfAsync(c.Account.Id)).Select(t => t.Kind).ToArray());
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task ConcurrentCancelsRefundOnce()
    {
        var c = await app.CreateCnaughtCustomerAsync(billing: "credits", credits: 1_000);
        var id = (await c.Live.PlaceOrderAsync(new { amount_kg = 10 }))["id"]!.GetValue<string>();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, 6).Select(async _ =>
        {
            await gate.Task;
            var r = await c.Live.SendAsync(HttpMethod.Post, $"/v1/orders/{id}/cancel");
            return r.StatusCode;
        }).ToList();
        gate.SetResult();
        var statuses = await Task.WhenAll(tasks);
        Assert.Single(statuses, s => s == HttpStatusCode.OK);
        Assert.All(statuses.Where(s => s != HttpStatusCode.OK), s => Assert.Equal(HttpStatusCode.Forbidden, s));
        Assert.Equal(1_000, await app.CreditsAsync(c.Account.Id));
        Assert.Single(await app.LedgerOfAsync(c.Account.Id), t => t.Kind == "order_refund");
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task ConcurrentOrdersNeverOverspendCredits()
    {
        var c = await app.CreateCnaughtCustomerAsync(billing: "credits", credits: 100);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, 8).Select(async i =>
        {
            await gate.Task;
            var r = await c.Live.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 10, metadata = $"n{i}" });
            return (r.StatusCode, Body: await r.Content.ReadAsStringAsync(Ct));
        }).ToList();
        gate.SetResult();
        var results = await Task.WhenAll(tasks);
        Assert.All(results, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.Forbidden, $"{(int)r.StatusCode}: {r.Body}"));
        Assert.Equal(4, results.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(0, await app.CreditsAsync(c.Account.Id));
        Assert.Equal(4, await app.OrderCountAsync(c.Account.Id));
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task CancelledOrdersLeaveTheImpact()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var keep = await c.Live.PlaceOrderAsync(new { amount_kg = 10 });
        var drop = await c.Live.PlaceOrderAsync(new { amount_kg = 20 });
        await CancelAsync(c, drop["id"]!.GetValue<string>());
        var impact = await c.Live.GetJsonAsync("/v1/impact/data");
        Assert.Equal(10m, impact["total_offset_kgs"]!.GetValue<decimal>());
        Assert.NotNull(keep);
    }
}

public sealed class CnaughtCancelTestsOnSqlite(SqliteApp app) : CnaughtCancelTests(app), IClassFixture<SqliteApp>;

public sealed class CnaughtCancelTestsOnPostgres(PostgresApp app) : CnaughtCancelTests(app), IClassFixture<PostgresApp>;
