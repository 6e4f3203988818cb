using System.Net;
using System.Text.Json.Nodes;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Cnaught;

public abstract class CnaughtOrderTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OrderByMassHasTheSdkShapeWithNullsAndIsReturnedAgainByGet()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var order = await c.Live.PlaceOrderAsync(new { amount_kg = 10, metadata = "m-1", description = "On behalf of Jane" });

        Assert.Equal(CnaughtKit.OrderKeys, order.Keys());
        Assert.Equal(12, order["id"]!.GetValue<string>().Length);
        Assert.Matches(@"^\d{5}-\d{5}-\d{5}-\d{5}-\d{4}$", order["order_number"]!.GetValue<string>());
        Assert.Matches(CnaughtKit.TimestampPattern, order["created_on"]!.GetValue<string>());
        Assert.Equal(10m, order["amount_kg"]!.GetValue<decimal>());
        Assert.Equal(25, order["price_usd_cents"]!.GetValue<long>());
        Assert.Equal("placed", order["state"]!.GetValue<string>());
        Assert.Equal("generic", order["type"]!.GetValue<string>());
        Assert.Equal("m-1", order["metadata"]!.GetValue<string>());
        Assert.Equal("On behalf of Jane", order["description"]!.GetValue<string>());
        foreach (var key in new[] { "callback_url", "subaccount_id", "checkout_session_id" })
            Assert.Null(order[key]);
        // The certificate is public at an unguessable URL from the moment the order is placed.
        var certificate = order["certificate_public_url"]!.GetValue<string>();
        Assert.Matches(@"^https?://[^/]+/certificates/[A-Za-z0-9]{22}$", certificate);
        Assert.Equal(certificate + ".pdf", order["certificate_download_public_url"]!.GetValue<string>());

        var allocations = order["project_allocations"]!.AsArray();
        Assert.Equal(2, allocations.Count);
        Assert.All(allocations, a =>
        {
            Assert.Equal(CnaughtKit.AllocationKeys, a.Keys());
            Assert.Equal(CnaughtKit.ProjectKeys, a!["project"].Keys());
            Assert.Empty(a["retirements"]!.AsArray());
        });
        var byProject = allocations.ToDictionary(a => a!["project"]!["id"]!.GetValue<string>(), a => a!["amount_kg"]!.GetValue<decimal>());
        Assert.Equal(2.5m, byProject[c.ProjectA]);
        Assert.Equal(7.5m, byProject[c.ProjectB]);

        var fetched = await c.Live.GetJsonAsync($"/v1/orders/{order["id"]}");
        Assert.True(JsonNode.DeepEquals(order, fetched), $"{order.ToJsonString()}\n{fetched.ToJsonString()}");
    }

    [Fact]
    public async Task OptionalFieldsAreSentAsNullNotOmitted()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var response = await c.Live.SendAsync(HttpMethod.Post, "/v1/orders", """{"amount_kg": 1}""");
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        foreach (var key in new[] { "metadata", "description", "callback_url", "subaccount_id", "checkout_session_id" })
            Assert.Contains($"\"{key}\":null", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OrderWithCallbackKeepsTheUrl()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var order = await c.Live.PlaceOrderAsync(new { amount_kg = 1, notification_config = new { url = "https://example.com/hook" } });
        Assert.Equal("https://example.com/hook", order["callback_url"]!.GetValue<string>());
    }

    [Fact]
    public async Task OrderByPriceBuysTheMostThatPriceAllows()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var order = await c.Live.PlaceOrderAsync(new { total_price_usd_cents = 25 });
        Assert.Equal(CnaughtKit.OrderKeys, order.Keys());
        Assert.Equal(25, order["price_usd_cents"]!.GetValue<long>());
        Assert.Equal(10m, order["amount_kg"]!.GetValue<decimal>());

        var odd = await c.Live.PlaceOrderAsync(new { total_price_usd_cents = 1001 });
        Assert.True(odd["price_usd_cents"]!.GetValue<long>() <= 1001);
        // One more gram would cost more than the budget.
        var grams = decimal.ToInt64(odd["amount_kg"]!.GetValue<decimal>() * 1000m);
        var next = await c.Live.PostJsonAsync("/v1/quotes", new { amount_kg = (grams + 1) / 1000m }, HttpStatusCode.OK);
        Assert.True(next["price_usd_cents"]!.GetValue<long>() > 1001);
    }

    [Fact]
    public async Task BudgetTooSmallForOneGramNamesTotalPrice()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var dear = await app.CreateProjectAsync(100_000_000);
        var portfolio = await app.CreatePortfolioAsync((dear["id"]!.GetValue<string>(), 1m));
        var response = await c.Live.SendAsync(HttpMethod.Post, "/v1/orders", new { total_price_usd_cents = 1, portfolio_id = portfolio["id"]!.GetValue<string>() });
        await response.AssertInvalidAsync("total_price_usd_cents");
        Assert.Equal(0, await app.OrderCountAsync(c.Account.Id));
    }

    [Fact]
    public async Task RideOrderAddsDistanceAndCostsWhatTheRideQuoteSays()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var quote = await c.Live.PostJsonAsync("/v1/quotes/ride", new { distance_km = 10.5 }, HttpStatusCode.OK);
        Assert.Equal(CnaughtKit.QuoteKeys, quote.Keys());
        Assert.Equal(3m, quote["amount_kg"]!.GetValue<decimal>()); // 10.5 km × 241.14 g/km = 2.532 kg, rounded up to whole kg

        var response = await c.Live.SendAsync(HttpMethod.Post, "/v1/orders/ride", new { distance_km = 10.5, metadata = "trip" });
        var ride = await response.ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal(CnaughtKit.RideOrderKeys, ride.Keys());
        Assert.Equal("ride", ride["type"]!.GetValue<string>());
        Assert.Equal(10.5m, ride["distance_km"]!.GetValue<decimal>());
        Assert.Equal(quote["amount_kg"]!.GetValue<decimal>(), ride["amount_kg"]!.GetValue<decimal>());
        Assert.Equal(quote["price_usd_cents"]!.GetValue<long>(), ride["price_usd_cents"]!.GetValue<long>());
        Assert.Matches(CnaughtKit.TimestampPattern, ride["created_on"]!.GetValue<string>());

        var fetched = await c.Live.GetJsonAsync($"/v1/orders/{ride["id"]}");
        Assert.True(JsonNode.DeepEquals(ride, fetched));
    }

    [Fact]
    public async Task MassQuoteIsExactlyAmountAndPriceAndEqualsTheOrder()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        foreach (var kg in new[] { 12.345m, 0.001m, 10m, 999.999m })
        {
            var quote = await c.Live.PostJsonAsync("/v1/quotes", new { amount_kg = kg }, HttpStatusCode.OK);
            Assert.Equal(CnaughtKit.QuoteKeys, quote.Keys());
            var explicitPortfolio = await c.Live.PostJsonAsync("/v1/quotes", new { amount_kg = kg, portfolio_id = c.PortfolioId }, HttpStatusCode.OK);
            Assert.True(JsonNode.DeepEquals(quote, explicitPortfolio));
            var order = await c.Live.PlaceOrderAsync(new { amount_kg = kg });
            Assert.Equal(quote["amount_kg"]!.GetValue<decimal>(), order["amount_kg"]!.GetValue<decimal>());
            Assert.Equal(quote["price_usd_cents"]!.GetValue<long>(), order["price_usd_cents"]!.GetValue<long>());
        }
        // Quotes write nothing.
        Assert.Equal(4, await app.OrderCountAsync(c.Account.Id));
    }

    [Fact]
    public async Task EveryActivityQuoteHasTheQuoteShape()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        (string Path, object Body, decimal Kg)[] cases =
        [
            ("ride", new { distance_km = 100 }, 25m),
            ("flight", new { distance_km = 1000 }, 100m),
            ("train", new { distance_km = 100 }, 4m),
            ("air-freight", new { distance_km = 1000, freight_mass_kg = 500 }, 1000m),
            ("ground-freight", new { distance_km = 1000, freight_mass_kg = 500 }, 70m),
            ("ground-transport", new { distance_km = 100, vehicle_type = "coach_bus" }, 100m),
            ("office-space", new { square_footage = 100 }, 860m),
        ];
        foreach (var (path, body, kg) in cases)
        {
            var quote = await c.Live.PostJsonAsync($"/v1/quotes/{path}", body, HttpStatusCode.OK);
            Assert.Equal(CnaughtKit.QuoteKeys, quote.Keys());
            Assert.Equal(kg, quote["amount_kg"]!.GetValue<decimal>());
            var same = await c.Live.PostJsonAsync("/v1/quotes", new { amount_kg = kg }, HttpStatusCode.OK);
            Assert.Equal(same["price_usd_cents"]!.GetValue<long>(), quote["price_usd_cents"]!.GetValue<long>());
        }
    }

    [Fact]
    public async Task ActivityQuotesRequireTheirFields()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        (string Path, object Body, string Field)[] cases =
        [
            ("ride", new { }, "distance_km"),
            ("flight", new { distance_km = -1 }, "distance_km"),
            ("air-freight", new { distance_km = 10 }, "freight_mass_kg"),
            ("ground-freight", new { freight_mass_kg = 10 }, "distance_km"),
            ("ground-transport", new { distance_km = 10, vehicle_type = "rocket" }, "vehicle_type"),
            ("ground-transport", new { distance_km = 10 }, "vehicle_type"),
            ("office-space", new { square_footage = 0 }, "square_footage"),
        ];
        foreach (var (path, body, field) in cases)
            await (await c.Live.SendAsync(HttpMethod.Post, $"/v1/quotes/{path}", body)).AssertInvalidAsync(field);
        await (await c.Live.SendAsync(HttpMethod.Post, "/v1/quotes", new { amount_kg = "x" })).AssertInvalidAsync("amount_kg");
        await (await c.Live.SendAsync(HttpMethod.Post, "/v1/quotes", new { })).AssertInvalidAsync("amount_kg");
    }

    [Fact]
    public async Task UnknownOrForeignOrderIsNotFoundOnGetAndCancel()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var other = await app.CreateCnaughtCustomerAsync();
        var theirs = await other.Live.PlaceOrderAsync(new { amount_kg = 1 });
        var theirId = theirs["id"]!.GetValue<string>();

        foreach (var id in new[] { theirId, "nope00000000", new string('x', 300) })
        {
            await (await c.Live.SendAsync(HttpMethod.Get, $"/v1/orders/{id}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found", "Could not find order");
            await (await c.Live.SendAsync(HttpMethod.Post, $"/v1/orders/{id}/cancel")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found", "Could not find order");
        }
        // The other account's order was not touched.
        Assert.Equal("placed", (await other.Live.GetJsonAsync($"/v1/orders/{theirId}"))["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task SandboxOrdersAreStoredForTestKeysOnlyAndNeverCharged()
    {
        // Billing is not set up: the sandbox still takes orders.
        var c = await app.CreateCnaughtCustomerAsync(billing: "none");
        var sandbox = await c.Test.PlaceOrderAsync(new { amount_kg = 10 });
        Assert.Equal(CnaughtKit.OrderKeys, sandbox.Keys());
        Assert.Equal(25, sandbox["price_usd_cents"]!.GetValue<long>());
        var sandboxId = sandbox["id"]!.GetValue<string>();

        await (await c.Live.SendAsync(HttpMethod.Get, $"/v1/orders/{sandboxId}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        Assert.Empty((await c.Live.GetJsonAsync("/v1/orders")).Ids());
        Assert.Equal([sandboxId], (await c.Test.GetJsonAsync("/v1/orders")).Ids());
        Assert.Empty(await app.LedgerOfAsync(c.Account.Id));

        await app.Admin().PatchJsonAsync($"/admin/accounts/{c.Account.Id}", new { billing = "invoice" });
        var live = await c.Live.PlaceOrderAsync(new { amount_kg = 1 });
        var liveId = live["id"]!.GetValue<string>();
        await (await c.Test.SendAsync(HttpMethod.Get, $"/v1/orders/{liveId}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        Assert.Equal([sandboxId], (await c.Test.GetJsonAsync("/v1/orders")).Ids());
        Assert.Equal([liveId], (await c.Live.GetJsonAsync("/v1/orders")).Ids());

        // Only the live order moved money; cancelling the sandbox order moves none either.
        Assert.Single(await app.LedgerOfAsync(c.Account.Id));
        await c.Test.PostJsonAsync($"/v1/orders/{sandboxId}/cancel", new { }, HttpStatusCode.OK);
        Assert.Single(await app.LedgerOfAsync(c.Account.Id));
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task CreditsBilledSandboxOrderLeavesTheBalanceAlone()
    {
        var c = await app.CreateCnaughtCustomerAsync(billing: "credits", credits: 1_000);
        var before = await app.LedgerOfAsync(c.Account.Id);
        await c.Test.PlaceOrderAsync(new { amount_kg = 100 });
        Assert.Equal(1_000, await app.CreditsAsync(c.Account.Id));
        Assert.Equal(before.Count, (await app.LedgerOfAsync(c.Account.Id)).Count);
    }

    [Fact]
    public async Task LiveOrderWithoutBillingIsForbiddenAndWritesNothing()
    {
        var c = await app.CreateCnaughtCustomerAsync(billing: "none");
        foreach (var (url, body) in new (string, object)[] { ("/v1/orders", new { amount_kg = 1 }), ("/v1/orders/ride", new { distance_km = 3 }) })
        {
            var problem = await (await c.Live.SendAsync(HttpMethod.Post, url, body)).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden", "Billing not set up");
            Assert.DoesNotContain("trace", problem["detail"]?.GetValue<string>() ?? "", StringComparison.OrdinalIgnoreCase);
        }
        Assert.Equal(0, await app.OrderCountAsync(c.Account.Id));
    }

    [Fact]
    public async Task UnknownPortfolioIsForbidden()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        await (await c.Live.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 1, portfolio_id = "nope" }))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden", "Requested portfolio not available");
        await (await c.Live.SendAsync(HttpMethod.Post, "/v1/quotes", new { amount_kg = 1, portfolio_id = "nope" }))
            .AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(0, await app.OrderCountAsync(c.Account.Id));
    }

    [Fact]
    public async Task OrdersNeedAKey()
    {
        foreach (var client in new[] { app.Anonymous(), app.WithBearer("wren_test_unknown") })
        {
            var response = await client.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 1 });
            var body = await response.ReadJsonAsync(HttpStatusCode.Unauthorized);
            Assert.Equal(CnaughtKit.ProblemJson, response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("Unauthorized", body["title"]!.GetValue<string>());
        }
    }

    public static TheoryData<string, string, string> BadOrders() => new()
    {
        { "/v1/orders", """{"amount_kg": "x"}""", "amount_kg" },
        { "/v1/orders", """{"amount_kg": "5"}""", "amount_kg" },
        { "/v1/orders", """{"amount_kg": -1}""", "amount_kg" },
        { "/v1/orders", """{"amount_kg": 0}""", "amount_kg" },
        { "/v1/orders", """{"amount_kg": 0.0001}""", "amount_kg" },
        { "/v1/orders", """{"amount_kg": 1e30}""", "amount_kg" },
        { "/v1/orders", """{"amount_kg": 20000000000}""", "amount_kg" },
        { "/v1/orders", """{"amount_kg": true}""", "amount_kg" },
        { "/v1/orders", """{"total_price_usd_cents": 0}""", "total_price_usd_cents" },
        { "/v1/orders", """{"total_price_usd_cents": -5}""", "total_price_usd_cents" },
        { "/v1/orders", """{"total_price_usd_cents": 1.5}""", "total_price_usd_cents" },
        { "/v1/orders", """{"total_price_usd_cents": 99999999999999999999999}""", "total_price_usd_cents" },
        { "/v1/orders", """{"amount_kg": 1, "total_price_usd_cents": 100}""", "amount_kg" },
        { "/v1/orders", """{}""", "amount_kg" },
        { "/v1/orders", "", "amount_kg" },
        { "/v1/orders", "{", "body" },
        { "/v1/orders", "[1, 2]", "body" },
        { "/v1/orders", "null", "body" },
        { "/v1/orders", "not json", "body" },
        { "/v1/orders", """{"amount_kg": 1, "metadata": "M513"}""", "metadata" },
        { "/v1/orders", """{"amount_kg": 1, "description": "M513"}""", "description" },
        { "/v1/orders", """{"amount_kg": 1, "metadata": 5}""", "metadata" },
        { "/v1/orders", """{"amount_kg": 1, "portfolio_id": 5}""", "portfolio_id" },
        { "/v1/orders", """{"amount_kg": 1, "notification_config": "https://example.com"}""", "notification_config" },
        { "/v1/orders", """{"amount_kg": 1, "notification_config": {"url": "ftp://example.com/hook"}}""", "notification_config.url" },
        { "/v1/orders", """{"amount_kg": 1, "notification_config": {"url": "http://127.0.0.1/hook"}}""", "notification_config.url" },
        { "/v1/orders", """{"amount_kg": 1, "notification_config": {"url": "http://localhost:8080/hook"}}""", "notification_config.url" },
        { "/v1/orders", """{"amount_kg": 1, "notification_config": {"url": "http://10.0.0.5/hook"}}""", "notification_config.url" },
        { "/v1/orders", """{"amount_kg": 1, "notification_config": {"url": "http://[::1]/hook"}}""", "notification_config.url" },
        { "/v1/orders", """{"amount_kg": 1, "notification_config": {"url": "not a url"}}""", "notification_config.url" },
        { "/v1/orders", """{"amount_kg": 1, "notification_config": {}}""", "notification_config.url" },
        { "/v1/orders/ride", """{"distance_km": "x"}""", "distance_km" },
        { "/v1/orders/ride", """{"distance_km": 0}""", "distance_km" },
        { "/v1/orders/ride", """{"distance_km": -3}""", "distance_km" },
        { "/v1/orders/ride", """{}""", "distance_km" },
        { "/v1/orders/ride", """{"distance_km": 1e30}""", "distance_km" },
        { "/v1/orders/ride", """{"distance_km": 5, "metadata": "M513"}""", "metadata" },
        { "/v1/orders/ride", """{"distance_km": 5, "notification_config": {"url": "ftp://example.com"}}""", "notification_config.url" },
    };

    [Theory]
    [MemberData(nameof(BadOrders))]
    public async Task BadOrderInputIsInvalidParametersAndWritesNothing(string url, string body, string field)
    {
        var c = await app.CreateCnaughtCustomerAsync();
        body = body.Replace("M513", new string('m', 513), StringComparison.Ordinal);
        var response = await c.Live.SendAsync(HttpMethod.Post, url, body);
        await response.AssertInvalidAsync(field);
        Assert.Equal(0, await app.OrderCountAsync(c.Account.Id));
        Assert.Empty(await app.LedgerOfAsync(c.Account.Id));
    }

    [Fact]
    public async Task FormBodiesAndOtherMediaTypesAreRefusedAsProblems()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        foreach (var type in new[] { "application/x-www-form-urlencoded", "text/plain" })
        {
            var response = await c.Live.SendAsync(HttpMethod.Post, "/v1/orders", "amount_kg=1", contentType: type);
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnsupportedMediaType, $"{(int)response.StatusCode}: {text}");
            Assert.Equal(CnaughtKit.ProblemJson, response.Content.Headers.ContentType?.MediaType);
        }
        // No Content-Type at all, no body: the body is empty, so amount_kg is missing.
        var bare = await c.Live.PostAsync("/v1/orders", null, Ct);
        await bare.AssertInvalidAsync("amount_kg");
        Assert.Equal(0, await app.OrderCountAsync(c.Account.Id));
    }

    [Fact]
    public async Task MetadataOfExactly512CharactersIsAccepted()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var text = new string('é', 512);
        var order = await c.Live.PlaceOrderAsync(new { amount_kg = 1, metadata = text, description = text });
        Assert.Equal(text, order["metadata"]!.GetValue<string>());
        Assert.Equal(text, (await c.Live.GetJsonAsync($"/v1/orders/{order["id"]}"))["description"]!.GetValue<string>());
    }

    [Fact]
    public async Task UnknownOrForeignSubaccountHeaderIsInvalidSubaccount()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var other = await app.CreateCnaughtCustomerAsync();
        var theirs = await other.Live.PostJsonAsync("/v1/subaccounts", new { name = "Theirs" }, HttpStatusCode.Created);
        foreach (var sub in new[] { theirs["id"]!.GetValue<string>(), "nope1234", new string('s', 100) })
        {
            await (await c.Live.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 1 }, subaccount: sub))
                .AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-subaccount");
            await (await c.Live.SendAsync(HttpMethod.Post, "/v1/orders/ride", new { distance_km = 1 }, subaccount: sub))
                .AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-subaccount");
            await (await c.Live.SendAsync(HttpMethod.Post, "/v1/quotes", new { amount_kg = 1 }, subaccount: sub))
                .AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-subaccount");
            await (await c.Live.SendAsync(HttpMethod.Get, "/v1/orders", subaccount: sub))
                .AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-subaccount");
            await (await c.Live.SendAsync(HttpMethod.Get, "/v1/impact/data", subaccount: sub))
                .AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-subaccount");
            await (await c.Live.SendAsync(HttpMethod.Get, "/v1/impact/hosted-page-config", subaccount: sub))
                .AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-subaccount");
        }
        Assert.Equal(0, await app.OrderCountAsync(c.Account.Id));
    }

    [Fact]
    public async Task OrderForASubaccountCarriesItsIdAndIsOnlyFoundThroughIt()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var sub = (await c.Live.PostJsonAsync("/v1/subaccounts", new { name = "Marketing" }, HttpStatusCode.Created))["id"]!.GetValue<string>();
        var sub2 = (await c.Live.PostJsonAsync("/v1/subaccounts", new { name = "Sales" }, HttpStatusCode.Created))["id"]!.GetValue<string>();
        var order = await c.Live.PlaceOrderAsync(new { amount_kg = 2 }, subaccount: sub);
        Assert.Equal(sub, order["subaccount_id"]!.GetValue<string>());
        var id = order["id"]!.GetValue<string>();

        Assert.Equal(sub, (await c.Live.GetJsonForAsync($"/v1/orders/{id}", sub))["subaccount_id"]!.GetValue<string>());
        Assert.Equal(sub, (await c.Live.GetJsonAsync($"/v1/orders/{id}"))["subaccount_id"]!.GetValue<string>());
        await (await c.Live.SendAsync(HttpMethod.Get, $"/v1/orders/{id}", subaccount: sub2)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await c.Live.SendAsync(HttpMethod.Post, $"/v1/orders/{id}/cancel", subaccount: sub2)).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
    }
}

public sealed class CnaughtOrderTestsOnSqlite(SqliteApp app) : CnaughtOrderTests(app), IClassFixture<SqliteApp>;

public sealed class CnaughtOrderTestsOnPostgres(PostgresApp app) : CnaughtOrderTests(app), IClassFixture<PostgresApp>;
