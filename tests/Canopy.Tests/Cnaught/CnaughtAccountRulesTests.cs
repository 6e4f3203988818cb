using System.Net;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Cnaught;

/// <summary>Per-account rules of the CNaught dialect: ride factors, sandbox billing, what the dialect shows.</summary>
public abstract class CnaughtAccountRulesTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnAccountsOwnRideFactorPricesRideOrdersAndBothRideQuotes()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var defaultQuote = await c.Live.PostJsonAsync("/v1/quotes/ride", new { distance_km = 10 }, HttpStatusCode.OK);
        Assert.Equal(3m, defaultQuote["amount_kg"]!.GetValue<decimal>()); // 241.14 g/km by default: 2.411 kg, rounded up

        var account = await app.Admin().PatchJsonAsync($"/admin/accounts/{c.Account.Id}", new { ride_grams_per_km = 120 });
        Assert.Equal(120, account["ride_grams_per_km"]!.GetValue<long>());

        var order = await c.Live.PostJsonAsync("/v1/orders/ride", new { distance_km = 10 }, HttpStatusCode.Created);
        var rideQuote = await c.Live.PostJsonAsync("/v1/quotes/ride", new { distance_km = 10 }, HttpStatusCode.OK);
        var carQuote = await c.Live.PostJsonAsync("/v1/quotes/ground-transport", new { distance_km = 10, vehicle_type = "passenger_car_van_or_suv" }, HttpStatusCode.OK);
        Assert.Equal(2m, order["amount_kg"]!.GetValue<decimal>());
        Assert.Equal(2m, rideQuote["amount_kg"]!.GetValue<decimal>());
        Assert.Equal(rideQuote.ToJsonString(), carQuote.ToJsonString());
        Assert.Equal(order["price_usd_cents"]!.GetValue<long>(), rideQuote["price_usd_cents"]!.GetValue<long>());
    }

    [Fact]
    public async Task RideFactorMustBePositive()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var response = await app.Admin().PatchAsync($"/admin/accounts/{c.Account.Id}",
            new StringContent("""{"ride_grams_per_km": 0}""", System.Text.Encoding.UTF8, "application/json"), Ct);
        var problem = await response.ReadJsonAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["ride_grams_per_km"]);
    }

    [Fact]
    public async Task SandboxOrdersOfACardBilledAccountNeedNoCardNoMinimumAndNoExchangeRate()
    {
        var c = await app.CreateCnaughtCustomerAsync(billing: "card");
        await app.Admin().PatchJsonAsync($"/admin/accounts/{c.Account.Id}", new { currency = "SEK" });
        // 1 kg costs 3 cents: far below the card minimum, in a currency without a rate, with no card on file.
        var order = await c.Test.PostJsonAsync("/v1/orders", new { amount_kg = 1 }, HttpStatusCode.Created);
        Assert.Equal(3, order["price_usd_cents"]!.GetValue<long>());
        // The live key of the same account is held to all three.
        var live = await c.Live.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 1 });
        Assert.True(live.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.Forbidden, $"got {(int)live.StatusCode}");
    }

    [Fact]
    public async Task WrenTreeOrdersAndDonationsAreNotCnaughtOrders()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        await app.Admin().PostJsonAsync($"/admin/accounts/{c.Account.Id}/credits", new { amount_usd_cents = 10_000 }, HttpStatusCode.OK);
        await app.CreateProjectAsync(200, kind: "tree");
        var donation = await app.CreateProjectAsync(1_000, kind: "donation");
        var wren = app.WithBasic(c.Account.LiveToken);
        await wren.PostJsonAsync("/api/tree-orders", new { amountOfTrees = 2, paymentMethod = "credits" }, HttpStatusCode.OK);
        await wren.PostJsonAsync("/api/project-orders", new { projectId = donation["wren_id"]!.GetValue<long>(), amountInUsdCents = 500, paymentMethod = "credits" }, HttpStatusCode.OK);
        var offset = await c.Live.PostJsonAsync("/v1/orders", new { amount_kg = 10 }, HttpStatusCode.Created);

        var list = await c.Live.GetJsonAsync("/v1/orders");
        Assert.Equal([offset["id"]!.GetValue<string>()], list["data"]!.AsArray().Select(o => o!["id"]!.GetValue<string>()));
    }

    [Fact]
    public async Task RetriedQuoteWithTheSameKeyIsReplayed()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var key = "quote-" + TestData.NewId();
        var first = await c.Live.SendAsync(HttpMethod.Post, "/v1/quotes", new { amount_kg = 10 }, idempotencyKey: key);
        var second = await c.Live.SendAsync(HttpMethod.Post, "/v1/quotes", new { amount_kg = 10 }, idempotencyKey: key);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("true", second.Headers.GetValues("X-Idempotent-Replay").Single());
        Assert.Equal(await first.Content.ReadAsStringAsync(Ct), await second.Content.ReadAsStringAsync(Ct));
        var changed = await c.Live.SendAsync(HttpMethod.Post, "/v1/quotes", new { amount_kg = 11 }, idempotencyKey: key);
        Assert.Equal((HttpStatusCode)422, changed.StatusCode);
    }
}

public sealed class CnaughtAccountRulesTestsOnSqlite(SqliteApp app) : CnaughtAccountRulesTests(app), IClassFixture<SqliteApp>;

public sealed class CnaughtAccountRulesTestsOnPostgres(PostgresApp app) : CnaughtAccountRulesTests(app), IClassFixture<PostgresApp>;
