using System.Net;
using System.Text.Json.Nodes;
using Canopy.Tests.Cnaught;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Fulfilment;

public abstract class CancellationTests(FulfilmentApp app)
{
    public static TheoryData<string, bool> StatesAndMethods => new()
    {
        { "credits", false }, { "credits", true }, { "card", false }, { "card", true }, { "invoice", false }, { "invoice", true },
    };

    [Theory]
    [MemberData(nameof(StatesAndMethods))]
    public async Task CancellingGivesTheMoneyBackTheWayItCameAndTheGramsBackToThePool(string billing, bool fulfilled)
    {
        app.RequireAvailable();
        var c = await app.CreateFulfilmentCustomerAsync(billing, credits: billing == "credits" ? 10_000 : 0);
        var batch = fulfilled ? await app.AddInventoryAsync(c.ProjectId, 2024, 250, "CAN-24") : null;
        var id = await c.OrderAsync(200); // 200 ¢: above the card minimum
        await app.DrainOutboxAsync();
        Assert.Equal(fulfilled ? "fulfilled" : "placed", await c.StateAsync(id));
        if (billing == "credits") Assert.Equal(9_800, await app.CreditsAsync(c.Account.Id));

        var cancelled = await (await c.Live.SendAsync(HttpMethod.Post, $"/v1/orders/{id}/cancel")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("cancelled", cancelled["state"]!.GetValue<string>());
        Assert.Empty(cancelled.Retirements());
        await app.DrainOutboxAsync();

        var detail = await app.Admin().GetJsonAsync($"/admin/orders/{id}");
        var ledger = detail["ledger_transactions"]!.AsArray();
        Assert.Equal(["order_payment", "order_refund"], ledger.Select(t => t!["kind"]!.GetValue<string>()));
        var source = billing switch { "credits" => "customer_credits", "card" => "stripe_clearing", _ => "customer_receivable" };
        var refundLeg = ledger[1]!["entries"]!.AsArray().Single(e => e!["ledger_account"]!.GetValue<string>().StartsWith(source, StringComparison.Ordinal))!;
        Assert.Equal(200, refundLeg["amount"]!.GetValue<long>());
        if (billing == "credits") Assert.Equal(10_000, await app.CreditsAsync(c.Account.Id));
        var refunds = detail["outbox_messages"]!.AsArray().Where(m => m!["topic"]!.GetValue<string>() == "payment.refund").ToList();
        if (billing == "card") Assert.Equal("completed", Assert.Single(refunds)!["status"]!.GetValue<string>());
        else Assert.Empty(refunds);

        var retirements = detail["allocations"]!.AsArray().SelectMany(a => a!["retirements"]!.AsArray()).ToList();
        Assert.Equal(fulfilled ? 1 : 0, retirements.Count);
        Assert.All(retirements, r => Assert.NotNull(r!["released_at"]));
        if (batch is not null)
            Assert.Equal(250_000, (await app.BatchAsync(batch["id"]!.GetValue<long>()))["grams_available"]!.GetValue<long>());

        // A second cancel is refused and changes nothing.
        await (await c.Live.SendAsync(HttpMethod.Post, $"/v1/orders/{id}/cancel")).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden", "Order already cancelled");
        var again = await app.Admin().PostAsync($"/admin/orders/{id}/cancel", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Forbidden, again.StatusCode);
        Assert.Equal(2, (await app.Admin().GetJsonAsync($"/admin/orders/{id}"))["ledger_transactions"]!.AsArray().Count);
        if (billing == "credits") Assert.Equal(10_000, await app.CreditsAsync(c.Account.Id));
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task GramsGivenBackServeTheWaitingOrderWithTheSameSerials()
    {
        app.RequireAvailable();
        var c = await app.CreateFulfilmentCustomerAsync();
        await app.AddInventoryAsync(c.ProjectId, 2024, 10, "BACK-24");
        var first = await c.OrderAsync(10);
        var waiting = await c.OrderAsync(4);
        await app.DrainOutboxAsync();
        Assert.Equal(["fulfilled", "placed"], [await c.StateAsync(first), await c.StateAsync(waiting)]);

        var cancelled = await app.Admin().PostJsonAsync($"/admin/orders/{first}/cancel", new { }, HttpStatusCode.OK);
        Assert.Equal("cancelled", cancelled["order"]!["state"]!.GetValue<string>());
        await app.DrainOutboxAsync();
        Assert.Equal("fulfilled", await c.StateAsync(waiting));
        Assert.Equal([("BACK-24-1-4000", null)], (await c.CnaughtOrderAsync(waiting)).Retirements());

        // What is left of the given-back range is handed out next, then nothing more.
        var next = await c.OrderAsync(7);
        await app.DrainOutboxAsync();
        Assert.Equal("placed", await c.StateAsync(next));
        var partial = await app.Admin().GetJsonAsync($"/admin/orders/{next}");
        Assert.Equal(["BACK-24-4001-10000"], partial["allocations"]!.AsArray().SelectMany(a => a!["retirements"]!.AsArray())
            .Select(r => r!["serial_number_range"]!.GetValue<string>()));
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task TheOperatorCancelsAnyAccountsOrderAndUnknownOrdersAreNotFound()
    {
        app.RequireAvailable();
        var c = await app.CreateFulfilmentCustomerAsync("credits", credits: 500);
        var id = await c.OrderAsync(100);
        var sandbox = (await c.Test.PostJsonAsync("/v1/orders", new { amount_kg = 5 }, HttpStatusCode.Created))["id"]!.GetValue<string>();
        var detail = await app.Admin().PostJsonAsync($"/admin/orders/{id}/cancel", new { }, HttpStatusCode.OK);
        Assert.Equal("cancelled", detail["order"]!["state"]!.GetValue<string>());
        Assert.Equal(500, await app.CreditsAsync(c.Account.Id));
        var sandboxCancelled = await app.Admin().PostJsonAsync($"/admin/orders/{sandbox}/cancel", new { }, HttpStatusCode.OK);
        Assert.Empty(sandboxCancelled["ledger_transactions"]!.AsArray());
        var missing = await app.Admin().PostAsync("/admin/orders/nosuchorder0/cancel", null, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        // Another account's key cannot cancel it: 404, not 403.
        var other = await app.CreateFulfilmentCustomerAsync();
        var id2 = await c.OrderAsync(1);
        await (await other.Live.SendAsync(HttpMethod.Post, $"/v1/orders/{id2}/cancel")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        Assert.Equal("placed", await c.StateAsync(id2));
        await app.AssertLedgerSoundAsync();
    }
}

public sealed class CancellationTestsOnSqlite(FulfilmentSqliteApp app) : CancellationTests(app), IClassFixture<FulfilmentSqliteApp>;

public sealed class CancellationTestsOnPostgres(FulfilmentPostgresApp app) : CancellationTests(app), IClassFixture<FulfilmentPostgresApp>;
