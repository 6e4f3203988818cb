using System.Net;
using Canopy.Data;
using Canopy.Payments;
using Canopy.Tests.Cnaught;
using Canopy.Tests.Infrastructure;
using Canopy.Tests.Wren;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Tests.Payments;

/// <summary>Card orders through Stripe.net against a local Stripe (WireMock): charges, failures, timeouts and retries.</summary>
public abstract class StripeCardTests(StripeApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(TestAccount Account, long PortfolioId)> CardCustomerAsync(string paymentMethod = "pm_card_visa")
    {
        var project = await app.CreateProjectAsync(15_000);
        var portfolio = await app.CreatePortfolioAsync((project.PublicId(), 1m));
        var account = await app.CreateAccountAsync(new { name = "Card Co " + TestData.NewId(), email = "billing@card.example" });
        await app.GiveCardAsync(account.Id, paymentMethod);
        await app.PatchAccountAsync(account.Id, new { default_portfolio_id = portfolio.PublicId() });
        return (account, portfolio.WrenId());
    }

    private async Task<CardPaymentIntent> IntentAsync(string orderId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        return await db.Set<CardPaymentIntent>().AsNoTracking().SingleAsync(i => i.OrderPublicId == orderId, Ct);
    }

    [Fact]
    public async Task PuttingACardOnFileMakesTheAccountAStripeCustomerWithThatDefaultPaymentMethod()
    {
        var account = await app.CreateAccountAsync(new { name = "Saved Co " + TestData.NewId(), email = "pay@saved.example" });
        var first = await app.Admin().PostJsonAsync($"/admin/accounts/{account.Id}/card", new { payment_method = "pm_card_visa" }, HttpStatusCode.OK);
        var customer = first["customer_id"]!.GetValue<string>();
        Assert.StartsWith("cus_", customer, StringComparison.Ordinal);
        Assert.Equal("card", first["billing"]!.GetValue<string>());
        Assert.Contains(("pm_card_visa", customer), app.Stripe.Attached);
        var created = app.Stripe.Requests("POST", "/v1/customers").Single(r => r.IdempotencyKey == $"account:{account.Id}:customer");
        Assert.Equal("pay@saved.example", created.Form["email"]);
        Assert.Equal(account.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), created.Form["metadata[account_id]"]);

        // A second card: the same customer, the new default.
        var second = await app.Admin().PostJsonAsync($"/admin/accounts/{account.Id}/card", new { payment_method = "pm_card_mastercard" }, HttpStatusCode.OK);
        Assert.Equal(customer, second["customer_id"]!.GetValue<string>());
        Assert.Equal("pm_card_mastercard", app.Stripe.Requests("POST", $"/v1/customers/{customer}")[^1].Form["invoice_settings[default_payment_method]"]);

        var missing = await app.Admin().PostAsync($"/admin/accounts/{account.Id}/card",
            System.Net.Http.Json.JsonContent.Create(new { payment_method = "pm_card_missing" }), Ct);
        await Problems.AssertInvalidAsync(missing, "payment_method");
        var down = await app.Admin().PostAsync($"/admin/accounts/{account.Id}/card",
            System.Net.Http.Json.JsonContent.Create(new { payment_method = "pm_attach_500" }), Ct);
        await down.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
    }

    [Fact]
    public async Task ACardOrderIsOneOffSessionPaymentIntentWithTheOrderInItsMetadataAndAKeyDerivedFromTheOrder()
    {
        var (account, portfolio) = await CardCustomerAsync();
        var response = await app.WithBasic(account.LiveToken).PostFormAsync("/api/offset-orders", ("tons", "0.5"), ("portfolioId", portfolio.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var body = await response.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(7_500, body["amountCharged"]!.GetValue<long>());
        var chargeId = body["id"]!.GetValue<string>();
        var charge = app.Stripe.Charges.Single(c => c.ChargeId == chargeId);
        Assert.Equal(7_500, charge.Amount);

        var request = app.Stripe.Requests("POST", "/v1/payment_intents").Single(r => r.Form.GetValueOrDefault("metadata[order_id]") == charge.OrderId);
        Assert.Equal($"order:{charge.OrderId}", request.IdempotencyKey);
        Assert.Equal("true", request.Form["off_session"]);
        Assert.Equal("true", request.Form["confirm"]);
        Assert.Equal("usd", request.Form["currency"]);
        Assert.Equal("pm_card_visa", request.Form["payment_method"]);
        Assert.StartsWith("cus_", request.Form["customer"], StringComparison.Ordinal);

        var intent = await IntentAsync(charge.OrderId);
        Assert.Equal(IntentStatus.Succeeded, intent.Status);
        Assert.Equal(chargeId, intent.ChargeId);
        Assert.Equal(charge.IntentId, intent.ProcessorIntentId);
        // The reconciler finds the order committed: settled, nothing refunded.
        await app.Services.GetRequiredService<PaymentReconciler>().RunOnceAsync(Ct);
        Assert.Equal(IntentStatus.Completed, (await IntentAsync(charge.OrderId)).Status);
        Assert.DoesNotContain(app.Stripe.Refunds, r => r.Target == chargeId);
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task CancellingACardOrderRefundsItsChargeAtStripeOnce()
    {
        var (account, _) = await CardCustomerAsync();
        var order = await app.WithBearer(account.LiveToken).PlaceOrderAsync(new { amount_kg = 100 });
        var orderId = order["id"]!.GetValue<string>();
        var charge = app.Stripe.Charges.Single(c => c.OrderId == orderId);
        var cancelled = await app.WithBearer(account.LiveToken).PostJsonAsync($"/v1/orders/{orderId}/cancel", new { }, HttpStatusCode.OK);
        Assert.Equal("cancelled", cancelled["state"]!.GetValue<string>());
        var refund = Assert.Single(app.Stripe.Refunds, r => r.Target == charge.ChargeId);
        Assert.Equal((1_500L, $"order:{orderId}:refund"), (refund.Amount, refund.Key));
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task ADeclinedCardIsA402InWrenAndAForbiddenProblemInCnaughtAndLeavesNothingBehind()
    {
        var (account, portfolio) = await CardCustomerAsync("pm_card_chargeDeclined");
        var before = await app.FootprintAsync(account.Id);
        var wren = await app.WithBasic(account.LiveToken).PostFormAsync("/api/offset-orders", ("tons", "0.5"), ("portfolioId", portfolio.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal("Your card was declined.", await wren.ReadWrenErrorAsync(HttpStatusCode.PaymentRequired));

        var cnaught = await app.WithBearer(account.LiveToken).SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 100 });
        var problem = await cnaught.AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal(CnaughtKit.ErrorBase + "forbidden", problem["type"]!.GetValue<string>());
        Assert.Equal("Payment declined", problem["title"]!.GetValue<string>());

        var after = await app.FootprintAsync(account.Id);
        Assert.Equal(before with { LedgerTransactions = 0, LedgerEntries = 0 }, after with { LedgerTransactions = 0, LedgerEntries = 0 });
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task ACardThatNeedsAuthenticationIsRefusedWithThatReasonAndLeavesNothingBehind()
    {
        var (account, portfolio) = await CardCustomerAsync("pm_card_authenticationRequired");
        var before = await app.FootprintAsync(account.Id);
        var wren = await app.WithBasic(account.LiveToken).PostFormAsync("/api/offset-orders", ("tons", "0.5"), ("portfolioId", portfolio.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Contains("authentication", await wren.ReadWrenErrorAsync(HttpStatusCode.PaymentRequired), StringComparison.Ordinal);

        var cnaught = await app.WithBearer(account.LiveToken).SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 100 });
        var problem = await cnaught.AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("Payment requires authentication", problem["title"]!.GetValue<string>());
        Assert.Equal((before.Orders, before.Allocations, before.Outbox), ((await app.FootprintAsync(account.Id)).Orders,
            (await app.FootprintAsync(account.Id)).Allocations, (await app.FootprintAsync(account.Id)).Outbox));
    }

    [Fact]
    public async Task AStripeServerErrorIs503InEachDialectsShapeAndLeavesNoOrder()
    {
        var (account, portfolio) = await CardCustomerAsync(StripeMock.DownCard);
        var before = await app.FootprintAsync(account.Id);
        var wren = await app.WithBasic(account.LiveToken).PostFormAsync("/api/offset-orders", ("tons", "0.5"), ("portfolioId", portfolio.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Contains("unavailable", await wren.ReadWrenErrorAsync(HttpStatusCode.ServiceUnavailable), StringComparison.Ordinal);

        var cnaught = await app.WithBearer(account.LiveToken).SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 100 });
        var problem = await cnaught.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal(CnaughtKit.ErrorBase + "service-unavailable", problem["type"]!.GetValue<string>());
        var after = await app.FootprintAsync(account.Id);
        Assert.Equal((before.Orders, before.Allocations, before.Outbox), (after.Orders, after.Allocations, after.Outbox));
    }

    [Fact]
    public async Task ATimeoutMidOrderThenARetryWithTheSameKeyChargesOnceAndPlacesOneOrder()
    {
        var (account, _) = await CardCustomerAsync(StripeMock.SlowCard);
        var client = app.WithBearer(account.LiveToken);
        var key = "retry-" + TestData.NewId();

        // Stripe charges, but its answer comes after Canopy's timeout: 503, no order.
        var first = await client.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 100 }, idempotencyKey: key);
        await first.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal(0, (await app.FootprintAsync(account.Id)).Orders);

        // The same key again: the same Stripe idempotency key and order id, so Stripe answers the first charge.
        var second = await client.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 100 }, idempotencyKey: key);
        var order = await second.ReadJsonAsync(HttpStatusCode.Created);
        var orderId = order["id"]!.GetValue<string>();
        Assert.Equal(2, app.Stripe.IntentCallsByKey[$"order:{orderId}"]);
        Assert.Single(app.Stripe.Charges, c => c.OrderId == orderId);
        Assert.Equal(1, (await app.FootprintAsync(account.Id)).Orders);

        // A third try is a replay of the stored answer.
        var third = await client.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 100 }, idempotencyKey: key);
        Assert.Equal(orderId, (await third.ReadJsonAsync(HttpStatusCode.Created))["id"]!.GetValue<string>());
        Assert.Single(app.Stripe.Charges, c => c.OrderId == orderId);
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task ARetryAfterTheRequestDiedPastTheChargeFinishesTheOrderAtOnceOnThatCharge()
    {
        var (account, _) = await CardCustomerAsync();
        string customer;
        await using (var scope = app.Services.CreateAsyncScope())
            customer = (await scope.ServiceProvider.GetRequiredService<CanopyDbContext>().Accounts.SingleAsync(a => a.Id == account.Id, Ct)).StripeCustomerId!;
        var client = app.WithBearer(account.LiveToken);

        // 1. The request charged (its intent says succeeded) and died before its order's transaction.
        var key = "died-" + TestData.NewId();
        var orderId = TestData.NewId("o");
        var charged = await app.Services.GetRequiredService<CardPayments>().ChargeAsync(new CardPaymentRequest
        {
            AccountId = account.Id, OrderPublicId = orderId, ClientKey = key, AmountMinor = 1_500, Currency = "USD", CustomerId = customer,
            PaymentMethodId = "pm_card_visa", Description = "died after the charge",
        }, Ct);
        Assert.True(charged.Approved);
        var retry = await client.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 100 }, idempotencyKey: key);
        Assert.Equal(orderId, (await retry.ReadJsonAsync(HttpStatusCode.Created))["id"]!.GetValue<string>());
        var charge = Assert.Single(app.Stripe.Charges, c => c.OrderId == orderId);
        Assert.Equal(charge.ChargeId, (await app.Admin().GetJsonAsync($"/admin/orders/{orderId}"))["order"]!["payment_reference"]!.GetValue<string>());

        // 2. The request died even earlier: Stripe charged, its answer was never recorded (the intent is pending, and
        //    older than any processor call can take). The retry asks Stripe again with the same key: no second charge.
        var lostKey = "lost-" + TestData.NewId();
        var lostId = TestData.NewId("o");
        var longAgo = DateTime.UtcNow.AddMinutes(-10);
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
            db.Add(new CardPaymentIntent
            {
                AccountId = account.Id, OrderPublicId = lostId, ClientKey = lostKey, ProcessorKey = $"order:{lostId}", AmountMinor = 1_500, Currency = "USD",
                CustomerId = customer, PaymentMethodId = "pm_card_visa", Status = IntentStatus.Pending, CreatedAt = longAgo, UpdatedAt = longAgo,
            });
            await db.SaveChangesAsync(Ct);
        }
        await app.Services.GetRequiredService<ICardProcessor>().ChargeAsync(
            new CardChargeRequest(account.Id, customer, "pm_card_visa", 1_500, "USD", $"order:{lostId}", "lost", lostId), Ct);
        var lost = await client.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 100 }, idempotencyKey: lostKey);
        Assert.Equal(lostId, (await lost.ReadJsonAsync(HttpStatusCode.Created))["id"]!.GetValue<string>());
        Assert.Single(app.Stripe.Charges, c => c.OrderId == lostId);

        // The reconciler finds both orders and refunds nothing; the keys replay their orders.
        var refunds = app.Stripe.Refunds.Count;
        await app.Services.GetRequiredService<PaymentReconciler>().RunOnceAsync(Ct);
        Assert.Equal(refunds, app.Stripe.Refunds.Count);
        Assert.Equal(IntentStatus.Completed, (await IntentAsync(orderId)).Status);
        Assert.Equal(IntentStatus.Completed, (await IntentAsync(lostId)).Status);
        var replay = await client.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 100 }, idempotencyKey: key);
        Assert.Equal(orderId, (await replay.ReadJsonAsync(HttpStatusCode.Created))["id"]!.GetValue<string>());
        Assert.Equal(2, (await app.FootprintAsync(account.Id)).Orders);
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task ConcurrentRequestsWithOneKeyChargeTheCardOnce()
    {
        var (account, _) = await CardCustomerAsync();
        var client = app.WithBearer(account.LiveToken);
        var key = "burst-" + TestData.NewId();
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            client.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 100 }, idempotencyKey: key)));
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict }));
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.Created);
        var ids = new HashSet<string>();
        foreach (var r in responses.Where(r => r.StatusCode == HttpStatusCode.Created))
            ids.Add((await r.ReadJsonAsync(HttpStatusCode.Created))["id"]!.GetValue<string>());
        var orderId = Assert.Single(ids);
        Assert.Single(app.Stripe.Charges, c => c.OrderId == orderId);
        Assert.Equal(1, (await app.FootprintAsync(account.Id)).Orders);
        Assert.Equal(1, app.Stripe.Charges.Count(c => c.Amount == 1_500 && c.OrderId == orderId));
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task AChargeWhoseOrderNeverCommittedIsRefundedByTheReconciler()
    {
        var (account, _) = await CardCustomerAsync();
        string customer;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
            customer = (await db.Accounts.SingleAsync(a => a.Id == account.Id, Ct)).StripeCustomerId!;
        }
        // The process charges, then "crashes" before the order's transaction: an intent, a charge, no order.
        var orderId = TestData.NewId("o");
        var payment = await app.Services.GetRequiredService<CardPayments>().ChargeAsync(new CardPaymentRequest
        {
            AccountId = account.Id, OrderPublicId = orderId, AmountMinor = 1_234, Currency = "USD", CustomerId = customer,
            PaymentMethodId = "pm_card_visa", Description = "crash test",
        }, Ct);
        Assert.True(payment.Approved);
        var charge = app.Stripe.Charges.Single(c => c.OrderId == orderId);

        // A second crash happens even earlier: the intent is written, Stripe charges, its answer is never recorded.
        var lostId = TestData.NewId("o");
        var neverId = TestData.NewId("o");
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
            db.Add(new CardPaymentIntent
            {
                AccountId = account.Id, OrderPublicId = lostId, ProcessorKey = $"order:{lostId}", AmountMinor = 999, Currency = "USD",
                CustomerId = customer, PaymentMethodId = "pm_card_visa", Status = IntentStatus.Pending, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
            });
            // And one that never reached Stripe at all.
            db.Add(new CardPaymentIntent
            {
                AccountId = account.Id, OrderPublicId = neverId, ProcessorKey = $"order:{neverId}", AmountMinor = 555, Currency = "USD",
                CustomerId = customer, PaymentMethodId = "pm_card_visa", Status = IntentStatus.Pending, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow,
            });
            await db.SaveChangesAsync(Ct);
        }
        var stripe = app.Services.GetRequiredService<ICardProcessor>();
        await stripe.ChargeAsync(new CardChargeRequest(account.Id, customer, "pm_card_visa", 999, "USD", $"order:{lostId}", "lost", lostId), Ct);
        var lostCharge = app.Stripe.Charges.Single(c => c.OrderId == lostId);

        await app.Services.GetRequiredService<PaymentReconciler>().RunOnceAsync(Ct);

        Assert.Contains(app.Stripe.Refunds, r => r.Target == charge.ChargeId && r.Amount == 1_234 && r.Key == $"order:{orderId}:refund");
        Assert.Contains(app.Stripe.Refunds, r => r.Target == lostCharge.ChargeId && r.Amount == 999);
        Assert.Equal(IntentStatus.Refunded, (await IntentAsync(orderId)).Status);
        var lost = await IntentAsync(lostId);
        Assert.Equal(IntentStatus.Refunded, lost.Status);
        Assert.Equal(lostCharge.IntentId, lost.ProcessorIntentId);

        Assert.Equal(IntentStatus.Failed, (await IntentAsync(neverId)).Status);
        Assert.DoesNotContain(app.Stripe.Charges, c => c.OrderId == neverId);

        // Nothing is refunded twice: a second pass has nothing left to settle for these.
        var refunds = app.Stripe.Refunds.Count;
        await app.Services.GetRequiredService<PaymentReconciler>().RunOnceAsync(Ct);
        Assert.Equal(refunds, app.Stripe.Refunds.Count);
    }
}

public sealed class StripeCardTestsOnSqlite(StripeSqliteApp app) : StripeCardTests(app), IClassFixture<StripeSqliteApp>;

public sealed class StripeCardTestsOnPostgres(StripePostgresApp app) : StripeCardTests(app), IClassFixture<StripePostgresApp>;
