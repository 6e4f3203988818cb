using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Canopy.Billing;
using Canopy.Tests.Cnaught;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Fulfilment;

public abstract class BillingTests(FulfilmentApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<JsonObject> DetailAsync(string orderId) => await app.Admin().GetJsonAsync($"/admin/orders/{orderId}");

    /// <summary>What each project is owed for an order: its allocations' cents by project id.</summary>
    private async Task<Dictionary<string, long>> OwedAsync(string orderId) =>
        (await DetailAsync(orderId))["allocations"]!.AsArray()
            .GroupBy(a => a!["project_id"]!.GetValue<string>()).ToDictionary(g => g.Key, g => g.Sum(a => a!["price_usd_cents"]!.GetValue<long>()));

    private async Task<long> PriceAsync(string orderId) => (await DetailAsync(orderId))["order"]!["price_usd_cents"]!.GetValue<long>();

    private async Task<BillingRunResult[]> RunConcurrentlyAsync(DateTime month) =>
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            await using var scope = app.Services.CreateAsyncScope();
            return await scope.ServiceProvider.GetRequiredService<BillingService>().RunAsync(month, Ct);
        }, Ct)));

    [Fact]
    public async Task MonthEndInvoicesAndPayoutsMatchTheOrdersToTheCentAndRunOnce()
    {
        app.RequireAvailable();
        var invoiced = await app.CreateCnaughtCustomerAsync("invoice");
        var prepaid = await app.CreateAccountAsync(creditsUsdCents: 1_000_000);
        await app.Admin().PatchJsonAsync($"/admin/accounts/{prepaid.Id}", new { billing = "credits", default_portfolio_id = invoiced.PortfolioId });
        var prepaidClient = app.WithBearer(prepaid.LiveToken);

        // October: three invoiced orders (one cancelled in October), one prepaid order, one sandbox order.
        string[] october = [];
        foreach (var kg in new[] { 10m, 37.123m, 1234.567m })
            october = [.. october, (await invoiced.Live.PlaceOrderAsync(new { amount_kg = kg }))["id"]!.GetValue<string>()];
        var prepaidOrder = (await prepaidClient.PlaceOrderAsync(new { amount_kg = 501.001m }))["id"]!.GetValue<string>();
        await invoiced.Test.PlaceOrderAsync(new { amount_kg = 99 });
        app.Clock.Advance(TimeSpan.FromDays(5));
        await (await invoiced.Live.SendAsync(HttpMethod.Post, $"/v1/orders/{october[0]}/cancel")).ReadJsonAsync(HttpStatusCode.OK);

        // November: the second October order is cancelled (a credit on November's open invoice), and a new order.
        app.Clock.Advance(TimeSpan.FromDays(20)); // 2026-11-04
        await (await invoiced.Live.SendAsync(HttpMethod.Post, $"/v1/orders/{october[1]}/cancel")).ReadJsonAsync(HttpStatusCode.OK);
        var november = (await invoiced.Live.PlaceOrderAsync(new { amount_kg = 3 }))["id"]!.GetValue<string>();

        // Four nodes bill October at once: it runs once. November is not over.
        var octoberStart = new DateTime(2026, 10, 1, 0, 0, 0, DateTimeKind.Utc);
        var results = await RunConcurrentlyAsync(octoberStart);
        Assert.Single(results, r => r == BillingRunResult.Ran);
        Assert.All(results.Where(r => r != BillingRunResult.Ran), r => Assert.Equal(BillingRunResult.AlreadyRan, r));
        var again = await app.Admin().PostAsJsonAsync("/admin/billing/runs", new { period = "2026-10" }, Ct);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        await (await app.Admin().PostAsJsonAsync("/admin/billing/runs", new { period = "2026-11" }, Ct)).ReadJsonAsync(HttpStatusCode.BadRequest);
        // The last month there is: not over, and no month follows it to end it (was a 500).
        await Problems.AssertInvalidAsync(await app.Admin().PostAsJsonAsync("/admin/billing/runs", new { period = "9999-12" }, Ct), "period");

        // October's invoice: three charges and one credit, to the cent.
        var invoices = (await app.Admin().GetJsonAsync($"/admin/invoices?account_id={invoiced.Account.Id}"))["data"]!.AsArray();
        var invoiceId = Assert.Single(invoices)!["id"]!.GetValue<long>();
        var invoice = await app.Admin().GetJsonAsync($"/admin/invoices/{invoiceId}");
        Assert.Equal(("2026-10", "issued"), (invoice["period"]!.GetValue<string>(), invoice["status"]!.GetValue<string>()));
        var lines = invoice["lines"]!.AsArray();
        Assert.Equal(["order", "order", "order", "cancellation"], lines.Select(l => l!["kind"]!.GetValue<string>()));
        Assert.Equal([.. october, october[0]], lines.Select(l => l!["order_id"]!.GetValue<string>()));
        var prices = new Dictionary<string, long>();
        foreach (var id in october) prices[id] = await PriceAsync(id);
        Assert.Equal([prices[october[0]], prices[october[1]], prices[october[2]], -prices[october[0]]], lines.Select(l => l!["amount_usd_cents"]!.GetValue<long>()));
        Assert.Equal(prices[october[1]] + prices[october[2]], invoice["total_usd_cents"]!.GetValue<long>());
        Assert.Empty((await app.Admin().GetJsonAsync($"/admin/invoices?account_id={prepaid.Id}"))["data"]!.AsArray()); // credits are not invoiced

        // October's payouts: each project is owed its allocations of every live October order, less October's cancellation.
        foreach (var project in new[] { invoiced.ProjectA, invoiced.ProjectB })
        {
            long expected = 0;
            foreach (var id in october.Append(prepaidOrder)) expected += (await OwedAsync(id)).GetValueOrDefault(project);
            expected -= (await OwedAsync(october[0])).GetValueOrDefault(project);
            var payouts = (await app.Admin().GetJsonAsync($"/admin/payouts?project_id={project}&period=2026-10"))["data"]!.AsArray();
            var payout = await app.Admin().GetJsonAsync($"/admin/payouts/{Assert.Single(payouts)!["id"]!.GetValue<long>()}");
            Assert.Equal(expected, payout["total_usd_cents"]!.GetValue<long>());
            Assert.Equal(5, payout["lines"]!.AsArray().Count);
            var paid = await app.Admin().PostJsonAsync($"/admin/payouts/{payout["id"]!.GetValue<long>()}/pay", new { }, HttpStatusCode.OK);
            Assert.Equal("paid", paid["status"]!.GetValue<string>());
        }

        // Paying is recorded once.
        var paidInvoice = await app.Admin().PostJsonAsync($"/admin/invoices/{invoiceId}/pay", new { }, HttpStatusCode.OK);
        Assert.Equal("paid", paidInvoice["status"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Conflict, (await app.Admin().PostAsync($"/admin/invoices/{invoiceId}/pay", null, Ct)).StatusCode);
        var kinds = (await app.LedgerOfAsync(invoiced.Account.Id)).Select(t => t.Kind).ToList();
        Assert.Equal(1, kinds.Count(k => k == "invoice_issue"));
        Assert.Equal(1, kinds.Count(k => k == "invoice_paid"));

        // November, billed by the monthly job's pass: the credit for the October order cancelled in November, and the new order.
        app.Clock.Advance(TimeSpan.FromDays(30)); // 2026-12-04
        await using (var scope = app.Services.CreateAsyncScope())
            Assert.True(await scope.ServiceProvider.GetRequiredService<BillingService>().RunDueAsync(Ct) >= 1);
        var nov = Assert.Single((await app.Admin().GetJsonAsync($"/admin/invoices?account_id={invoiced.Account.Id}&period=2026-11"))["data"]!.AsArray())!;
        var novLines = (await app.Admin().GetJsonAsync($"/admin/invoices/{nov["id"]!.GetValue<long>()}"))["lines"]!.AsArray();
        Assert.Equal([("cancellation", october[1], -prices[october[1]]), ("order", november, await PriceAsync(november))],
            novLines.Select(l => (l!["kind"]!.GetValue<string>(), l["order_id"]!.GetValue<string>(), l["amount_usd_cents"]!.GetValue<long>())));
        Assert.Equal(await PriceAsync(november) - prices[october[1]], nov["total_usd_cents"]!.GetValue<long>());
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task ImplausibleMonthsAre400FromRunsFiltersAndCursors()
    {
        app.RequireAvailable();
        var now = app.Clock.GetUtcNow().UtcDateTime;
        var nextMonth = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(1);
        var later = nextMonth.AddMonths(1).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        var admin = app.Admin();
        foreach (var month in new[] { "0001-01", "1999-12", "2026-13", later, "9999-12" })
        {
            var run = await Problems.AssertInvalidAsync(await admin.PostAsJsonAsync("/admin/billing/runs", new { period = month }, Ct), "period");
            Assert.Contains("from 2000-01", run["errors"]!["period"]![0]!.GetValue<string>(), StringComparison.Ordinal);
            await Problems.AssertInvalidAsync(await admin.GetAsync($"/admin/invoices?period={month}", Ct), "period");
            await Problems.AssertInvalidAsync(await admin.GetAsync($"/admin/payouts?period={month}", Ct), "period");
            await Problems.AssertInvalidAsync(await admin.GetAsync($"/admin/billing/runs?starting_after={month}", Ct), "starting_after");
        }
        foreach (var month in new[] { "2000-01", nextMonth.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture) })
        {
            Assert.Empty((await admin.GetJsonAsync($"/admin/invoices?period={month}"))["data"]!.AsArray());
            await admin.GetJsonAsync($"/admin/payouts?period={month}");
            await admin.GetJsonAsync($"/admin/billing/runs?starting_after={month}");
        }
        // The month after this one is a month, but not over.
        var notOver = await Problems.AssertInvalidAsync(await admin.PostAsJsonAsync("/admin/billing/runs",
            new { period = nextMonth.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture) }, Ct), "period");
        Assert.Contains("not over", notOver["errors"]!["period"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }
}

public sealed class BillingTestsOnSqlite(FulfilmentSqliteApp app) : BillingTests(app), IClassFixture<FulfilmentSqliteApp>;

public sealed class BillingTestsOnPostgres(FulfilmentPostgresApp app) : BillingTests(app), IClassFixture<FulfilmentPostgresApp>;
