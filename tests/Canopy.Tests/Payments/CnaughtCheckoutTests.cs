using System.Net;
using System.Text.Json.Nodes;
using Canopy.Data;
using Canopy.Notifications;
using Canopy.Tests.Cnaught;
using Canopy.Tests.Infrastructure;
using Canopy.Tests.Wren;
using Microsoft.EntityFrameworkCore;
using Canopy.Outbox;

namespace Canopy.Tests.Payments;

/// <summary>CNaught's checkout sessions on both SDK paths, with Stripe Checkout behind them.</summary>
public abstract class CnaughtCheckoutTests(StripeApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] SessionKeys = CnaughtKit.Sorted("id", "amount_kg", "price_usd_cents", "success_url", "cancel_url", "checkout_url",
        "state", "status", "expires_on", "completed_on", "portfolio_id", "subaccount_id", "order_description", "order_webhook_url", "order_id");

    private static JsonObject Completed(string sessionId, string paymentIntent, string paymentStatus = "paid") => new()
    {
        ["id"] = sessionId, ["object"] = "checkout.session", ["mode"] = "payment", ["status"] = "complete", ["payment_status"] = paymentStatus,
        ["payment_intent"] = paymentIntent, ["amount_total"] = 250, ["currency"] = "usd",
    };

    [Fact]
    public async Task ASessionIsAStripeCheckoutForTheAmountAndReadsTheSameOnBothPaths()
    {
        var c = await app.CreateCnaughtCustomerAsync(billing: "card");
        var response = await c.Live.SendAsync(HttpMethod.Post, "/v1/checkout/sessions", new
        {
            amount_kg = 100, success_url = "https://shop.example/thanks", cancel_url = "https://shop.example/cart",
            email = "buyer@shop.example", description = "Cart 42", notification_config = new { url = "https://shop.example/hook" },
        });
        var session = await response.ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal(SessionKeys, session.Keys());
        var id = session["id"]!.GetValue<string>();
        Assert.StartsWith("cs_test_", id, StringComparison.Ordinal);
        Assert.Equal(100m, session["amount_kg"]!.GetValue<decimal>());
        Assert.Equal(250, session["price_usd_cents"]!.GetValue<long>());
        Assert.Equal("open", session["state"]!.GetValue<string>());
        Assert.Equal("open", session["status"]!.GetValue<string>());
        Assert.Equal("https://checkout.stripe.com/c/pay/" + id, session["checkout_url"]!.GetValue<string>());
        Assert.Equal(c.PortfolioId, session["portfolio_id"]!.GetValue<string>());
        Assert.Equal("Cart 42", session["order_description"]!.GetValue<string>());
        Assert.Equal("https://shop.example/hook", session["order_webhook_url"]!.GetValue<string>());
        Assert.Null(session["completed_on"]);
        Assert.Matches(CnaughtKit.TimestampPattern, session["expires_on"]!.GetValue<string>());

        var stripe = app.Stripe.Requests("POST", "/v1/checkout/sessions").Single(r => r.Form["success_url"] == "https://shop.example/thanks"
            && app.Stripe.CheckoutSessions.Any(s => s["id"]!.GetValue<string>() == id && s["client_reference_id"]!.GetValue<string>() == r.Form["client_reference_id"]));
        Assert.Equal("payment", stripe.Form["mode"]);
        Assert.Equal("250", stripe.Form["line_items[0][price_data][unit_amount]"]);
        Assert.Equal("usd", stripe.Form["line_items[0][price_data][currency]"]);
        Assert.Equal("buyer@shop.example", stripe.Form["customer_email"]);

        var viaNew = await c.Live.GetJsonAsync($"/v1/checkout/sessions/{id}");
        var viaOld = await c.Live.GetJsonAsync($"/v1/orders/checkout-session/{id}");
        Assert.Equal(session.ToJsonString(), viaNew.ToJsonString());
        Assert.Equal(session.ToJsonString(), viaOld.ToJsonString());

        // Another account cannot see it.
        var other = await app.CreateCnaughtCustomerAsync(billing: "card");
        await (await other.Live.SendAsync(HttpMethod.Get, $"/v1/checkout/sessions/{id}")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task TheSdk28PathTakesAPriceAndUrlsMustBeHttps()
    {
        var c = await app.CreateCnaughtCustomerAsync(billing: "card");
        var byPrice = await c.Live.SendAsync(HttpMethod.Post, "/v1/orders/checkout-session",
            new { price_usd_cents = 1_000, success_url = "https://a.example/ok", cancel_url = "https://a.example/no" });
        var session = await byPrice.ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal(1_000, session["price_usd_cents"]!.GetValue<long>());
        Assert.Equal(400m, session["amount_kg"]!.GetValue<decimal>()); // 25 % at 10 $/t, 75 % at 30 $/t: 2.5 ¢/kg

        foreach (var (body, field) in new (object, string)[]
        {
            (new { amount_kg = 10, success_url = "http://a.example/ok", cancel_url = "https://a.example/no" }, "success_url"),
            (new { amount_kg = 10, success_url = "https://a.example/ok", cancel_url = "ftp://a.example/no" }, "cancel_url"),
            (new { amount_kg = 10, success_url = "https://a.example/ok" }, "cancel_url"),
            (new { success_url = "https://a.example/ok", cancel_url = "https://a.example/no" }, "amount_kg"),
            (new { amount_kg = 10, price_usd_cents = 100, success_url = "https://a.example/ok", cancel_url = "https://a.example/no" }, "amount_kg"),
            (new { amount_kg = 1, success_url = "https://a.example/ok", cancel_url = "https://a.example/no" }, "amount_kg"), // 3 cents: below Stripe's minimum
        })
        {
            var bad = await c.Live.SendAsync(HttpMethod.Post, "/v1/checkout/sessions", body);
            var problem = await Problems.AssertInvalidAsync(bad, field);
            Assert.Equal(CnaughtKit.ErrorBase + "invalid-parameters", problem["type"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task ACompletedSessionPlacesExactlyOneOrderAndCallsItsWebhook()
    {
        var c = await app.CreateCnaughtCustomerAsync(billing: "card");
        var session = await (await c.Live.SendAsync(HttpMethod.Post, "/v1/checkout/sessions", new
        {
            amount_kg = 100, success_url = "https://shop.example/thanks", cancel_url = "https://shop.example/cart",
            notification_config = new { url = "https://shop.example/hook" }, description = "Cart 7",
        })).ReadJsonAsync(HttpStatusCode.Created);
        var id = session["id"]!.GetValue<string>();
        var pi = "pi_" + TestData.NewId();

        // Stripe sends the event; then again (a retry), and a second event for the same session.
        var first = StripeApp.Event("evt_" + TestData.NewId(), "checkout.session.completed", Completed(id, pi));
        Assert.Equal(HttpStatusCode.OK, (await app.SendEventAsync(first)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.SendEventAsync(first)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.SendEventAsync(StripeApp.Event("evt_" + TestData.NewId(), "checkout.session.completed", Completed(id, pi)))).StatusCode);

        var done = await c.Live.GetJsonAsync($"/v1/checkout/sessions/{id}");
        Assert.Equal("complete", done["state"]!.GetValue<string>());
        Assert.Matches(CnaughtKit.TimestampPattern, done["completed_on"]!.GetValue<string>());
        var orderId = done["order_id"]!.GetValue<string>();

        var orders = await c.Live.GetJsonAsync("/v1/orders");
        var order = Assert.Single(orders["data"]!.AsArray())!.AsObject();
        Assert.Equal(orderId, order["id"]!.GetValue<string>());
        Assert.Equal(100m, order["amount_kg"]!.GetValue<decimal>());
        Assert.Equal(250, order["price_usd_cents"]!.GetValue<long>());
        Assert.Equal("Cart 7", order["description"]!.GetValue<string>());
        Assert.Equal("https://shop.example/hook", order["callback_url"]!.GetValue<string>());
        // The order names the session it was paid through, in the list and by id.
        Assert.Equal(id, order["checkout_session_id"]!.GetValue<string>());
        Assert.Equal(id, (await c.Live.GetJsonAsync($"/v1/orders/{orderId}"))["checkout_session_id"]!.GetValue<string>());

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        var stored = await db.Orders.AsNoTracking().SingleAsync(o => o.PublicId == orderId, Ct);
        Assert.Equal(pi, stored.PaymentReference);
        Assert.Equal(Canopy.Ordering.PaymentMethod.Card, stored.PaymentMethod);
        Assert.Equal(1, await db.OutboxMessages.CountAsync(m => m.Subject == orderId && m.Topic == OutboxTopics.OrderCallback, Ct));
        Assert.Equal(1, await db.LedgerTransactions.CountAsync(t => t.Key == $"order:{orderId}:payment", Ct));
        Assert.DoesNotContain(app.Stripe.Charges, ch => ch.OrderId == orderId); // paid on Stripe's page, not charged again
        await app.AssertLedgerSoundAsync();
    }

    /// <summary>
    /// The customer paid the price the session showed, in USD on Stripe's page. If the catalogue's prices change before
    /// Stripe's event arrives, and whatever the account's own currency, the order is booked at what was paid.
    /// </summary>
    [Fact]
    public async Task ASessionsOrderIsBookedAtThePricePaidEvenIfPricesChangedMeanwhile()
    {
        var c = await app.CreateCnaughtCustomerAsync(billing: "card");
        await app.SetFxRateAsync("EUR", 0.9m);
        await app.Admin().PatchJsonAsync($"/admin/accounts/{c.Account.Id}", new { currency = "EUR" });
        var session = await (await c.Live.SendAsync(HttpMethod.Post, "/v1/checkout/sessions", new
        {
            amount_kg = 100, success_url = "https://shop.example/thanks", cancel_url = "https://shop.example/cart",
        })).ReadJsonAsync(HttpStatusCode.Created);
        var id = session["id"]!.GetValue<string>();
        Assert.Equal(250, session["price_usd_cents"]!.GetValue<long>());
        await app.Admin().PatchJsonAsync($"/admin/projects/{c.ProjectB}", new { cost_per_ton_usd_cents = 6_000 }); // 100 kg now 475 ¢

        var pi = "pi_" + TestData.NewId();
        Assert.Equal(HttpStatusCode.OK, (await app.SendEventAsync(StripeApp.Event("evt_" + TestData.NewId(), "checkout.session.completed", Completed(id, pi)))).StatusCode);
        var orderId = (await c.Live.GetJsonAsync($"/v1/checkout/sessions/{id}"))["order_id"]!.GetValue<string>();
        var order = await c.Live.GetJsonAsync($"/v1/orders/{orderId}");
        Assert.Equal((100m, 250L), (order["amount_kg"]!.GetValue<decimal>(), order["price_usd_cents"]!.GetValue<long>()));

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        var stored = await db.Orders.AsNoTracking().Include(o => o.Allocations).SingleAsync(o => o.PublicId == orderId, Ct);
        Assert.Equal((250L, 250L, "USD"), (stored.PriceUsdCents, stored.AmountCharged, stored.ChargeCurrency));
        Assert.Equal(250, stored.Allocations.Sum(a => a.PriceUsdCents));
        Assert.All(stored.Allocations, a => Assert.True(a.PriceUsdCents > 0));
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task AnExpiredSessionBecomesExpiredAndAnUnpaidCompletionPlacesNothing()
    {
        var c = await app.CreateCnaughtCustomerAsync(billing: "card");
        async Task<string> NewSessionAsync() => (await (await c.Live.SendAsync(HttpMethod.Post, "/v1/checkout/sessions",
            new { amount_kg = 50, success_url = "https://s.example/ok", cancel_url = "https://s.example/no" }))
            .ReadJsonAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();
        var expiring = await NewSessionAsync();
        var expired = new JsonObject { ["id"] = expiring, ["object"] = "checkout.session", ["status"] = "expired", ["payment_status"] = "unpaid" };
        Assert.Equal(HttpStatusCode.OK, (await app.SendEventAsync(StripeApp.Event("evt_" + TestData.NewId(), "checkout.session.expired", expired))).StatusCode);
        Assert.Equal("expired", (await c.Live.GetJsonAsync($"/v1/orders/checkout-session/{expiring}"))["state"]!.GetValue<string>());

        var unpaid = await NewSessionAsync();
        Assert.Equal(HttpStatusCode.OK, (await app.SendEventAsync(StripeApp.Event("evt_" + TestData.NewId(), "checkout.session.completed",
            Completed(unpaid, "pi_" + TestData.NewId(), paymentStatus: "unpaid")))).StatusCode);
        Assert.Equal("open", (await c.Live.GetJsonAsync($"/v1/checkout/sessions/{unpaid}"))["state"]!.GetValue<string>());
        Assert.Empty((await c.Live.GetJsonAsync("/v1/orders"))["data"]!.AsArray());
    }
}

public sealed class CnaughtCheckoutTestsOnSqlite(StripeSqliteApp app) : CnaughtCheckoutTests(app), IClassFixture<StripeSqliteApp>;

public sealed class CnaughtCheckoutTestsOnPostgres(StripePostgresApp app) : CnaughtCheckoutTests(app), IClassFixture<StripePostgresApp>;
