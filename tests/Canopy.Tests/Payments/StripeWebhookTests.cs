using System.Net;
using System.Text.Json.Nodes;
using Canopy.Data;
using Canopy.Ordering;
using Canopy.Payments;
using Canopy.Tests.Cnaught;
using Canopy.Tests.Infrastructure;
using Canopy.Tests.Wren;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Tests.Payments;

/// <summary>Stripe's events at /webhooks/stripe: signatures, de-duplication, and what each event does.</summary>
public abstract class StripeWebhookTests(StripeApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A card order through Stripe; returns the account, the order id and the charge.</summary>
    private async Task<(TestAccount Account, string OrderId, string ChargeId, string IntentId, long Price)> CardOrderAsync()
    {
        var project = await app.CreateProjectAsync(15_000);
        var portfolio = await app.CreatePortfolioAsync((project.PublicId(), 1m));
        var account = await app.CreateAccountAsync();
        await app.GiveCardAsync(account.Id);
        await app.PatchAccountAsync(account.Id, new { default_portfolio_id = portfolio.PublicId() });
        var order = await app.WithBearer(account.LiveToken).PlaceOrderAsync(new { amount_kg = 100 }); // 1 500 cents
        var orderId = order["id"]!.GetValue<string>();
        var charge = app.Stripe.Charges.Single(c => c.OrderId == orderId);
        return (account, orderId, charge.ChargeId, charge.IntentId, order["price_usd_cents"]!.GetValue<long>());
    }

    private async Task<T> InDbAsync<T>(Func<CanopyDbContext, Task<T>> query)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<CanopyDbContext>());
    }

    private static async Task<string> StatusAsync(HttpResponseMessage response) =>
        (await response.ReadJsonAsync(HttpStatusCode.OK))["status"]!.GetValue<string>();

    [Fact]
    public async Task AnEventWithoutAValidSignatureIsRefusedAndNotRecorded()
    {
        var id = "evt_" + TestData.NewId();
        var body = StripeApp.Event(id, "payment_intent.succeeded", new JsonObject { ["id"] = "pi_x", ["object"] = "payment_intent", ["status"] = "succeeded" });
        await (await app.SendEventAsync(body, StripeApp.Sign(body, "whsec_wrong"))).AssertProblemAsync(HttpStatusCode.BadRequest);
        await (await app.SendEventAsync(body, "t=1,v1=00")).AssertProblemAsync(HttpStatusCode.BadRequest);
        // A body changed after signing does not verify.
        await (await app.SendEventAsync(body.Replace("succeeded", "canceled", StringComparison.Ordinal), StripeApp.Sign(body))).AssertProblemAsync(HttpStatusCode.BadRequest);
        // Signed too long ago (replay protection).
        await (await app.SendEventAsync(body, StripeApp.Sign(body, at: DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds()))).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.False(await InDbAsync(db => db.Set<StripeEvent>().AnyAsync(e => e.Id == id, Ct)));
        Assert.Equal("ignored", await StatusAsync(await app.SendEventAsync(StripeApp.Event("evt_" + TestData.NewId(), "customer.created",
            new JsonObject { ["id"] = "cus_x", ["object"] = "customer" }))));
    }

    /// <summary>Signed with the endpoint's secret (so past the signature check), yet not an event: 400, never a 500 that Stripe retries.</summary>
    [Fact]
    public async Task ASignedBodyThatIsNoEventOrAnUnreadableTimestampIs400AndRecordsNothing()
    {
        var before = await InDbAsync(db => db.Set<StripeEvent>().CountAsync(Ct));
        var longId = "evt_" + new string('a', 300);
        string[] bodies =
        [
            "{}", "[]", "null", "\"x\"", "{\"id\":null,\"type\":null}", "{\"id\":\"evt_x\",\"object\":\"event\"}",
            StripeApp.Event(longId, "customer.created", new JsonObject { ["id"] = "cus_x", ["object"] = "customer" }),
        ];
        foreach (var body in bodies)
            await (await app.SendEventAsync(body)).AssertProblemAsync(HttpStatusCode.BadRequest);

        // The HMAC is right for the timestamp text, but the text is not a number of seconds.
        var ok = StripeApp.Event("evt_" + TestData.NewId(), "customer.created", new JsonObject { ["id"] = "cus_x", ["object"] = "customer" });
        foreach (var t in new[] { "abc", "99999999999999999999999", "1e9" })
        {
            var mac = System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(StripeApp.WebhookSecret),
                System.Text.Encoding.UTF8.GetBytes($"{t}.{ok}"));
            await (await app.SendEventAsync(ok, $"t={t},v1={Convert.ToHexStringLower(mac)}")).AssertProblemAsync(HttpStatusCode.BadRequest);
        }
        Assert.Equal(before, await InDbAsync(db => db.Set<StripeEvent>().CountAsync(Ct)));
    }

    [Fact]
    public async Task AReplayedEventIsAppliedOnce()
    {
        var (_, orderId, chargeId, intentId, price) = await CardOrderAsync();
        var id = "evt_" + TestData.NewId();
        var dispute = new JsonObject
        {
            ["id"] = "dp_" + TestData.NewId(), ["object"] = "dispute", ["amount"] = price, ["currency"] = "usd", ["charge"] = chargeId,
            ["payment_intent"] = intentId, ["reason"] = "fraudulent", ["status"] = "needs_response",
        };
        var body = StripeApp.Event(id, "charge.dispute.created", dispute);
        Assert.Equal("applied", await StatusAsync(await app.SendEventAsync(body)));
        Assert.Equal("duplicate", await StatusAsync(await app.SendEventAsync(body)));
        Assert.Equal("duplicate", await StatusAsync(await app.SendEventAsync(body)));

        var key = $"order:{orderId}:dispute";
        var postings = await InDbAsync(db => db.LedgerTransactions.Include(t => t.Entries).Where(t => t.Key == key).ToListAsync(Ct));
        var posting = Assert.Single(postings);
        Assert.Equal("card_dispute", posting.Kind);
        Assert.Equal([-price, price], posting.Entries.Select(e => e.Amount).Order());
        var intent = await InDbAsync(db => db.Set<CardPaymentIntent>().SingleAsync(i => i.OrderPublicId == orderId, Ct));
        Assert.Equal(dispute["id"]!.GetValue<string>(), intent.DisputeId);
        Assert.Equal(1, await InDbAsync(db => db.Set<StripeEvent>().CountAsync(e => e.Id == id, Ct)));
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task PaymentIntentEventsSettleIntentsWhoseAnswerWasLost()
    {
        var account = await app.CreateAccountAsync();
        string Open(string orderId) => orderId;
        var succeededId = Open(TestData.NewId("o"));
        var failedId = Open(TestData.NewId("o"));
        await InDbAsync(async db =>
        {
            foreach (var id in new[] { succeededId, failedId })
                db.Add(new CardPaymentIntent
                {
                    AccountId = account.Id, OrderPublicId = id, ProcessorKey = $"order:{id}", AmountMinor = 700, Currency = "USD",
                    PaymentMethodId = "pm_card_visa", Status = IntentStatus.Unknown, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
                });
            return await db.SaveChangesAsync(Ct);
        });

        var ok = new JsonObject
        {
            ["id"] = "pi_" + TestData.NewId(), ["object"] = "payment_intent", ["amount"] = 700, ["currency"] = "usd", ["status"] = "succeeded",
            ["latest_charge"] = "ch_" + TestData.NewId(), ["metadata"] = new JsonObject { ["order_id"] = succeededId },
        };
        Assert.Equal("applied", await StatusAsync(await app.SendEventAsync(StripeApp.Event("evt_" + TestData.NewId(), "payment_intent.succeeded", ok))));
        var failed = new JsonObject
        {
            ["id"] = "pi_" + TestData.NewId(), ["object"] = "payment_intent", ["amount"] = 700, ["currency"] = "usd", ["status"] = "requires_payment_method",
            ["metadata"] = new JsonObject { ["order_id"] = failedId },
            ["last_payment_error"] = new JsonObject { ["type"] = "card_error", ["code"] = "card_declined", ["decline_code"] = "insufficient_funds", ["message"] = "Your card has insufficient funds." },
        };
        Assert.Equal("applied", await StatusAsync(await app.SendEventAsync(StripeApp.Event("evt_" + TestData.NewId(), "payment_intent.payment_failed", failed))));

        var s = await InDbAsync(db => db.Set<CardPaymentIntent>().SingleAsync(i => i.OrderPublicId == succeededId, Ct));
        Assert.Equal(IntentStatus.Succeeded, s.Status);
        Assert.Equal(ok["latest_charge"]!.GetValue<string>(), s.ChargeId);
        var f = await InDbAsync(db => db.Set<CardPaymentIntent>().SingleAsync(i => i.OrderPublicId == failedId, Ct));
        Assert.Equal(IntentStatus.Failed, f.Status);
        Assert.Equal("insufficient_funds", f.FailureCode);

        // The succeeded intent has no order: the reconciler refunds its charge.
        await app.Services.GetRequiredService<PaymentReconciler>().RunOnceAsync(Ct);
        Assert.Contains(app.Stripe.Refunds, r => r.Target == s.ChargeId && r.Amount == 700);
    }

    [Fact]
    public async Task AChargeRefundedAtStripeCancelsItsOrderWithTheReversingLedgerTransaction()
    {
        var (account, orderId, chargeId, intentId, price) = await CardOrderAsync();
        var charge = new JsonObject
        {
            ["id"] = chargeId, ["object"] = "charge", ["amount"] = price, ["amount_refunded"] = price, ["refunded"] = true,
            ["currency"] = "usd", ["payment_intent"] = intentId, ["status"] = "succeeded",
        };
        var body = StripeApp.Event("evt_" + TestData.NewId(), "charge.refunded", charge);
        Assert.Equal("applied", await StatusAsync(await app.SendEventAsync(body)));
        Assert.Equal("duplicate", await StatusAsync(await app.SendEventAsync(body)));

        var order = await app.WithBearer(account.LiveToken).GetJsonAsync($"/v1/orders/{orderId}");
        Assert.Equal("cancelled", order["state"]!.GetValue<string>());
        Assert.Equal(1, await InDbAsync(db => db.LedgerTransactions.CountAsync(t => t.Key == $"order:{orderId}:refund", Ct)));
        await app.AssertLedgerSoundAsync();
    }
}

public sealed class StripeWebhookTestsOnSqlite(StripeSqliteApp app) : StripeWebhookTests(app), IClassFixture<StripeSqliteApp>;

public sealed class StripeWebhookTestsOnPostgres(StripePostgresApp app) : StripeWebhookTests(app), IClassFixture<StripePostgresApp>;
