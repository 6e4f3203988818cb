using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Cnaught;

/// <summary>
/// The CNaught Node SDK 3.1.0 (npm here serves only 2.8.0) at the HTTP level: each request is sent byte for byte as
/// 3.1.0's request handler builds it (method, path, the headers it sets and JSON.stringify of the options), and each
/// answer is checked for the fields 3.1.0's types and its own integration tests read back.
/// </summary>
public abstract class CnaughtSdk3Tests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>What 3.1.0 sends: Bearer key, its User-Agent, Content-Type only with a body, and the optional headers.</summary>
    private async Task<HttpResponseMessage> Sdk3Async(string key, HttpMethod method, string path, string? json = null,
        string? idempotencyKey = null, string? subaccountId = null)
    {
        using var client = app.Anonymous();
        var request = new HttpRequestMessage(method, "/v1" + path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        request.Headers.TryAddWithoutValidation("User-Agent", "CNaught-NodeSDK/3.1.0");
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        if (subaccountId is not null) request.Headers.Add("X-Subaccount-Id", subaccountId);
        if (json is not null)
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }
        return await client.SendAsync(request, Ct);
    }

    /// <summary>An account whose default portfolio costs CNaught's sandbox price, 2 ¢ per kg (2 000 ¢ per tonne).</summary>
    private async Task<(string Key, string PortfolioId, string ProjectId)> SandboxPricedAccountAsync()
    {
        var project = (await app.CreateProjectAsync(2_000))["id"]!.GetValue<string>();
        var portfolio = (await app.CreatePortfolioAsync((project, 1m)))["id"]!.GetValue<string>();
        var account = await app.CreateAccountAsync();
        await app.Admin().PatchJsonAsync($"/admin/accounts/{account.Id}", new { billing = "invoice", default_portfolio_id = portfolio });
        return (account.LiveToken, portfolio, project);
    }

    public static TheoryData<string, string, string, string> QuoteCases => new()
    {
        // 3.1.0's test/integration/test/quote.test.ts: call, params, expected quote (toEqual), invalid params.
        { "", """{"amount_kg":10}""", """{"amount_kg":10,"price_usd_cents":20}""", """{"amount_kg":-10}""" },
        { "/air-freight", """{"freight_mass_kg":10,"distance_km":100}""", """{"amount_kg":2,"price_usd_cents":4}""", """{"freight_mass_kg":-10,"distance_km":10}""" },
        { "/flight", """{"distance_km":100}""", """{"amount_kg":10,"price_usd_cents":20}""", """{"distance_km":-10}""" },
        { "/ground-freight", """{"freight_mass_kg":100,"distance_km":1000}""", """{"amount_kg":14,"price_usd_cents":28}""", """{"freight_mass_kg":-10,"distance_km":10}""" },
        { "/ground-transport", """{"distance_km":1000,"vehicle_type":"school_bus"}""", """{"amount_kg":745,"price_usd_cents":1490}""", """{"distance_km":-10,"vehicle_type":"school_bus"}""" },
        { "/office-space", """{"square_footage":1000}""", """{"amount_kg":8600,"price_usd_cents":17200}""", """{"square_footage":-10}""" },
        { "/train", """{"distance_km":1000}""", """{"amount_kg":38,"price_usd_cents":76}""", """{"distance_km":-10}""" },
        // 2.x's getRideQuote (a ground-transport quote for a passenger car) and its ride order: 30 km = 8 kg, 16 ¢.
        { "/ground-transport", """{"distance_km":30,"vehicle_type":"passenger_car_van_or_suv"}""", """{"amount_kg":8,"price_usd_cents":16}""", """{"distance_km":-10,"vehicle_type":"passenger_car_van_or_suv"}""" },
        { "/ride", """{"distance_km":30}""", """{"amount_kg":8,"price_usd_cents":16}""", """{"distance_km":-10}""" },
    };

    [Theory]
    [MemberData(nameof(QuoteCases))]
    public async Task QuotesGiveCnaughtsOwnFiguresAndRefuseBadParams(string path, string body, string expected, string invalid)
    {
        app.RequireAvailable();
        var (key, _, _) = await SandboxPricedAccountAsync();
        var quote = await (await Sdk3Async(key, HttpMethod.Post, "/quotes" + path, body)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), quote), $"{path}: expected {expected}, got {quote.ToJsonString()}");

        var problem = await (await Sdk3Async(key, HttpMethod.Post, "/quotes" + path, invalid)).ReadJsonAsync(HttpStatusCode.BadRequest);
        Assert.Equal("Your request parameters didn't validate", problem["title"]!.GetValue<string>());
    }

    [Fact]
    public async Task PlaceOrderByAmountAndByPriceAsIntegrationTestsExpect()
    {
        app.RequireAvailable();
        var (key, portfolio, _) = await SandboxPricedAccountAsync();
        const string callback = "https://www.example.com/callback";
        var byAmount = await (await Sdk3Async(key, HttpMethod.Post, "/orders",
            $$$"""{"amount_kg":10,"metadata":"Node sdk submission","notification_config":{"url":"{{{callback}}}"}}""")).ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal("placed", byAmount["state"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(byAmount["id"]!.GetValue<string>()));
        Assert.Matches(CnaughtKit.TimestampPattern, byAmount["created_on"]!.GetValue<string>());
        Assert.Equal("Node sdk submission", byAmount["metadata"]!.GetValue<string>());
        Assert.Equal(callback, byAmount["callback_url"]!.GetValue<string>());
        Assert.Equal(10m, byAmount["amount_kg"]!.GetValue<decimal>());
        Assert.Equal(20, byAmount["price_usd_cents"]!.GetValue<long>());
        Assert.All(byAmount["project_allocations"]!.AsArray(), a => Assert.Equal(CnaughtKit.ProjectKeys, a!["project"].Keys()));

        var byPrice = await (await Sdk3Async(key, HttpMethod.Post, "/orders",
            $$$"""{"total_price_usd_cents":3190,"metadata":"Node sdk submission","notification_config":{"url":"{{{callback}}}"}}""")).ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal(1595m, byPrice["amount_kg"]!.GetValue<decimal>());
        Assert.Equal(3190, byPrice["price_usd_cents"]!.GetValue<long>());

        var withPortfolio = await (await Sdk3Async(key, HttpMethod.Post, "/orders",
            $$"""{"amount_kg":10,"portfolio_id":"{{portfolio}}"}""", idempotencyKey: "sdk3-once")).ReadJsonAsync(HttpStatusCode.Created);
        var replay = await (await Sdk3Async(key, HttpMethod.Post, "/orders",
            $$"""{"amount_kg":10,"portfolio_id":"{{portfolio}}"}""", idempotencyKey: "sdk3-once")).ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal(withPortfolio["id"]!.GetValue<string>(), replay["id"]!.GetValue<string>());
        var changed = await (await Sdk3Async(key, HttpMethod.Post, "/orders", """{"amount_kg":11}""", idempotencyKey: "sdk3-once")).ReadJsonAsync((HttpStatusCode)422);
        Assert.Equal("Previous request submitted with same idempotency key had different payload", changed["title"]!.GetValue<string>());

        // getOrderDetails, getListOfOrders(limit, startingAfter), cancelOrder (POST with no body and no Content-Type).
        var id = byAmount["id"]!.GetValue<string>();
        Assert.Equal(id, (await (await Sdk3Async(key, HttpMethod.Get, $"/orders/{id}")).ReadJsonAsync(HttpStatusCode.OK))["id"]!.GetValue<string>());
        var page = await (await Sdk3Async(key, HttpMethod.Get, "/orders?limit=2")).ReadJsonAsync(HttpStatusCode.OK);
        var next = await (await Sdk3Async(key, HttpMethod.Get, $"/orders?limit=2&starting_after={page.Ids()[1]}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal([withPortfolio["id"]!.GetValue<string>(), byPrice["id"]!.GetValue<string>(), id], [.. page.Ids(), .. next.Ids()]);
        var cancelled = await (await Sdk3Async(key, HttpMethod.Post, $"/orders/{id}/cancel")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("cancelled", cancelled["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task DeleteSubaccountRemovesItFromEveryViewAndRefusesWhileItHasOrders()
    {
        app.RequireAvailable();
        var (key, portfolio, _) = await SandboxPricedAccountAsync();
        var sub = await (await Sdk3Async(key, HttpMethod.Post, "/subaccounts", $$"""{"name":"Doomed","default_portfolio_id":"{{portfolio}}"}""")).ReadJsonAsync(HttpStatusCode.Created);
        var id = sub["id"]!.GetValue<string>();
        await (await Sdk3Async(key, HttpMethod.Put, $"/subaccounts/{id}", """{"name":"Doomed 2"}""")).ReadJsonAsync(HttpStatusCode.OK);
        await (await Sdk3Async(key, HttpMethod.Post, $"/subaccounts/{id}/logo", """{"logo_url":"http://example.com/image.png"}""")).ReadJsonAsync(HttpStatusCode.OK);

        // Another account's key cannot see or delete it.
        var (otherKey, _, _) = await SandboxPricedAccountAsync();
        await (await Sdk3Async(otherKey, HttpMethod.Delete, $"/subaccounts/{id}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");

        var deleted = await Sdk3Async(key, HttpMethod.Delete, $"/subaccounts/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Empty(await deleted.Content.ReadAsByteArrayAsync(Ct));

        await (await Sdk3Async(key, HttpMethod.Get, $"/subaccounts/{id}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found", "Could not find subaccount");
        Assert.DoesNotContain(id, (await (await Sdk3Async(key, HttpMethod.Get, "/subaccounts")).ReadJsonAsync(HttpStatusCode.OK)).Ids());
        await (await Sdk3Async(key, HttpMethod.Post, "/orders", """{"amount_kg":1}""", subaccountId: id)).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-subaccount");
        await (await Sdk3Async(key, HttpMethod.Get, "/impact/data", subaccountId: id)).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-subaccount");
        await (await Sdk3Async(key, HttpMethod.Delete, $"/subaccounts/{id}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");

        // 3.1.0's "Cannot delete a subaccount with orders": refused, and the subaccount stays.
        var busy = (await (await Sdk3Async(key, HttpMethod.Post, "/subaccounts", """{"name":"Busy"}""")).ReadJsonAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();
        var order = await (await Sdk3Async(key, HttpMethod.Post, "/orders", """{"amount_kg":10}""", subaccountId: busy)).ReadJsonAsync(HttpStatusCode.Created);
        await (await Sdk3Async(key, HttpMethod.Post, $"/orders/{order["id"]}/cancel", subaccountId: busy)).ReadJsonAsync(HttpStatusCode.OK);
        await (await Sdk3Async(key, HttpMethod.Delete, $"/subaccounts/{busy}")).AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden", "Subaccount has orders");
        Assert.Equal("Busy", (await (await Sdk3Async(key, HttpMethod.Get, $"/subaccounts/{busy}")).ReadJsonAsync(HttpStatusCode.OK))["name"]!.GetValue<string>());
        Assert.Single((await (await Sdk3Async(key, HttpMethod.Get, "/orders", subaccountId: busy)).ReadJsonAsync(HttpStatusCode.OK)).Ids());
    }

    [Fact]
    public async Task RemoveSubaccountLogoAsBothSdkVersionsSendIt()
    {
        app.RequireAvailable();
        var (key, portfolio, _) = await SandboxPricedAccountAsync();
        // 3.1.0's "Can clear subaccount logo": created with an http logo URL, then DELETE …/logo without a body.
        var sub = await (await Sdk3Async(key, HttpMethod.Post, "/subaccounts",
            $$"""{"name":"{{Guid.NewGuid()}}","default_portfolio_id":"{{portfolio}}","logo_url":"http://example.com/image.png"}""")).ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal("http://example.com/image.png", sub["logo_url"]!.GetValue<string>());
        var id = sub["id"]!.GetValue<string>();
        var updated = await (await Sdk3Async(key, HttpMethod.Delete, $"/subaccounts/{id}/logo")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(CnaughtKit.SubaccountKeys, updated.Keys());
        Assert.Equal(sub["name"]!.GetValue<string>(), updated["name"]!.GetValue<string>());
        Assert.Equal(portfolio, updated["default_portfolio_id"]!.GetValue<string>());
        Assert.Null(updated["logo_url"]);
        Assert.Null((await (await Sdk3Async(key, HttpMethod.Get, $"/subaccounts/{id}")).ReadJsonAsync(HttpStatusCode.OK))["logo_url"]);

        // 2.8.0 sends the same DELETE (its request handler also asks for JSON back); a JSON Content-Type with an
        // empty body, as some HTTP clients add, is accepted too.
        await (await Sdk3Async(key, HttpMethod.Post, $"/subaccounts/{id}/logo", """{"logo_url":"https://example.com/l.png"}""")).ReadJsonAsync(HttpStatusCode.OK);
        using var client = app.WithBearer(key);
        var request = new HttpRequestMessage(HttpMethod.Delete, $"/v1/subaccounts/{id}/logo") { Content = new ByteArrayContent([]) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.TryAddWithoutValidation("User-Agent", "CNaught-NodeSDK/2.8.0");
        Assert.Null((await (await client.SendAsync(request, Ct)).ReadJsonAsync(HttpStatusCode.OK))["logo_url"]);
    }

    [Fact]
    public async Task ProjectDetailsCarryEveryProfileFieldAndCreditIssuancesPerVintage()
    {
        app.RequireAvailable();
        var category = (await app.Admin().PostJsonAsync("/admin/project-categories", new { id = TestData.NewId("c"), name = "Sandbox Project Category A" }, HttpStatusCode.Created))["id"]!.GetValue<string>();
        var projectId = TestData.NewId("p");
        await app.Admin().PostJsonAsync("/admin/projects", new
        {
            id = projectId, name = "Sandbox Project A", kind = "offset", cost_per_ton_usd_cents = 2_000, type = "Reforestation", category_id = category,
            developer = "Sandbox Project Developer", location_name = "Pacific Northwest, USA", location_latitude = 47.6062, location_longitude = -122.3321,
            registry_name = "None", un_sdg_goals = new[] { 6, 1, 4 },
            activity_types = new[] { "Reforestation", "Improved Forest Management" }, impact_type = "Removal",
            methodology = "Verified Carbon Standard (VCS)", verifier = "Sandbox Verification Services", permanence = "100+ years",
            lifetime = new { start_year = 2022, end_year = 2052 }, due_diligence = "Checked on site.", beyond_carbon = "Habitat.",
            risk_of_reversal = "Fire, insured by a buffer pool.", third_party_labels = new[] { "CCP-approved" },
            notable_buyers = new[] { new { name = "Acme", logo_url = "https://img.example/acme.png", logo_alt_text = "Acme logo" } },
            due_diligence_figure = new { description = "Scores", image_url = "https://img.example/dd.png" },
            news_articles = new[] { new { title = "Trees", url = "https://news.example/trees", author = "A. Writer", published_on = "2024-05-01T00:00:00Z", take = "Solid." } },
        }, HttpStatusCode.Created);
        foreach (var (vintage, kg) in new[] { (2023, 7_000_000m), (2022, 5_000_000m), (2024, 10_000_000m), (2023, 500_000m) })
            await app.Admin().PostJsonAsync("/admin/inventory", new { project_id = projectId, vintage, amount_kg = kg }, HttpStatusCode.Created);
        var portfolio = (await app.CreatePortfolioAsync((projectId, 1m)))["id"]!.GetValue<string>();
        var account = await app.CreateAccountAsync();

        var project = await (await Sdk3Async(account.LiveToken, HttpMethod.Get, $"/projects/{projectId}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(CnaughtKit.ProjectWithCreditIssuancesKeys, project.Keys());
        Assert.Equal("Reforestation", project["type"]!.GetValue<string>());
        Assert.Equal("""["Reforestation","Improved Forest Management"]""", project["activity_types"]!.ToJsonString());
        Assert.Equal("Removal", project["impact_type"]!.GetValue<string>());
        Assert.Equal("Verified Carbon Standard (VCS)", project["methodology"]!.GetValue<string>());
        Assert.Equal("Sandbox Verification Services", project["verifier"]!.GetValue<string>());
        Assert.Equal("100+ years", project["permanence"]!.GetValue<string>());
        Assert.Equal("""{"start_year":2022,"end_year":2052}""", project["lifetime"]!.ToJsonString());
        Assert.Equal(47.6062, project["location_latitude"]!.GetValue<double>());
        Assert.Null(project["registry_id"]);
        Assert.Equal("[1,4,6]", project["un_sdg_goals"]!.ToJsonString());
        Assert.Equal("""["CCP-approved"]""", project["third_party_labels"]!.ToJsonString());
        Assert.Equal("""[{"name":"Acme","logo_url":"https://img.example/acme.png","logo_alt_text":"Acme logo"}]""", project["notable_buyers"]!.ToJsonString());
        Assert.Equal("""{"description":"Scores","image_url":"https://img.example/dd.png","image_alt_text":null}""", project["due_diligence_figure"]!.ToJsonString());
        Assert.Equal("""[{"title":"Trees","url":"https://news.example/trees","author":"A. Writer","published_on":"2024-05-01T00:00:00.000000Z","cnaught_take":"Solid."}]""",
            project["news_articles"]!.ToJsonString());
        // Per vintage, total issued in tonnes (two 2023 batches add up), oldest first.
        Assert.Equal("""[{"vintage_year":2022,"total_amount":5000},{"vintage_year":2023,"total_amount":7500},{"vintage_year":2024,"total_amount":10000}]""",
            project["credit_issuances"]!.ToJsonString());

        // Issued, not available: an order that retires credits does not change the figures.
        await app.Admin().PatchJsonAsync($"/admin/accounts/{account.Id}", new { billing = "invoice", default_portfolio_id = portfolio });
        var order = await (await Sdk3Async(account.LiveToken, HttpMethod.Post, "/orders", """{"amount_kg":1000}""")).ReadJsonAsync(HttpStatusCode.Created);
        var again = await (await Sdk3Async(account.LiveToken, HttpMethod.Get, $"/projects/{projectId}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(project["credit_issuances"]!.ToJsonString(), again["credit_issuances"]!.ToJsonString());

        // Wherever the project is embedded it has every Project field (and no credit_issuances).
        var embedded = order["project_allocations"]![0]!["project"]!.AsObject();
        Assert.Equal(CnaughtKit.ProjectKeys, embedded.Keys());
        Assert.Equal(project["lifetime"]!.ToJsonString(), embedded["lifetime"]!.ToJsonString());
        var shownInPortfolio = (await (await Sdk3Async(account.LiveToken, HttpMethod.Get, $"/portfolios/{portfolio}")).ReadJsonAsync(HttpStatusCode.OK))
            ["category_allocations"]![0]!["category"]!["projects"]![0]!.AsObject();
        Assert.Equal(CnaughtKit.ProjectKeys, shownInPortfolio.Keys());
        Assert.Equal("Removal", shownInPortfolio["impact_type"]!.GetValue<string>());
        var shownInCategory = (await (await Sdk3Async(account.LiveToken, HttpMethod.Get, $"/project-categories/{category}")).ReadJsonAsync(HttpStatusCode.OK))["projects"]![0]!.AsObject();
        Assert.Equal(CnaughtKit.ProjectKeys, shownInCategory.Keys());

        // A project with no profile: every field present, null or [] (credit_issuances too).
        var bare = (await app.CreateProjectAsync(1_000))["id"]!.GetValue<string>();
        var bareShown = await (await Sdk3Async(account.LiveToken, HttpMethod.Get, $"/projects/{bare}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(CnaughtKit.ProjectWithCreditIssuancesKeys, bareShown.Keys());
        foreach (var list in new[] { "activity_types", "third_party_labels", "notable_buyers", "news_articles", "credit_issuances" })
            Assert.Equal("[]", bareShown[list]!.ToJsonString());
        foreach (var nullable in new[] { "impact_type", "methodology", "verifier", "permanence", "lifetime", "due_diligence", "beyond_carbon", "risk_of_reversal", "due_diligence_figure" })
            Assert.Null(bareShown[nullable]);
    }

    [Fact]
    public async Task OperatorValidatesAndChangesTheProfile()
    {
        app.RequireAvailable();
        var id = (await app.CreateProjectAsync(1_000))["id"]!.GetValue<string>();
        var patched = await app.Admin().PatchJsonAsync($"/admin/projects/{id}", new { methodology = "Puro", lifetime = new { start_year = 2020 }, activity_types = new[] { "Biochar" } });
        Assert.Equal("Puro", patched["methodology"]!.GetValue<string>());
        Assert.Equal("""{"start_year":2020,"end_year":null}""", patched["lifetime"]!.ToJsonString());
        Assert.Equal("""["Biochar"]""", patched["activity_types"]!.ToJsonString());

        foreach (var (body, field) in new (object, string)[]
        {
            (new { lifetime = new { start_year = 2030, end_year = 2020 } }, "lifetime"),
            (new { notable_buyers = new[] { new { name = "", logo_url = "https://img.example/x.png" } } }, "notable_buyers[0].name"),
            (new { news_articles = new[] { new { title = "T", url = "ftp://x", author = "A", published_on = "2024-01-01T00:00:00Z" } } }, "news_articles[0].url"),
            (new { due_diligence_figure = new { description = "D" } }, "due_diligence_figure.image_url"),
            (new { methodology = new string('m', 201) }, "methodology"),
        })
        {
            var response = await app.Admin().PatchAsync($"/admin/projects/{id}", System.Net.Http.Json.JsonContent.Create(body), Ct);
            var problem = await response.ReadJsonAsync(HttpStatusCode.BadRequest);
            Assert.True(problem["errors"]!.AsObject().ContainsKey(field), $"{field}: {problem.ToJsonString()}");
        }
        var unchanged = await (await Sdk3Async((await app.CreateAccountAsync()).LiveToken, HttpMethod.Get, $"/projects/{id}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("Puro", unchanged["methodology"]!.GetValue<string>());
    }

    [Fact]
    public async Task NoCallOfEitherSdkVersionIsMethodNotAllowed()
    {
        app.RequireAvailable();
        var (key, portfolio, project) = await SandboxPricedAccountAsync();
        var sub = (await (await Sdk3Async(key, HttpMethod.Post, "/subaccounts", """{"name":"Calls"}""")).ReadJsonAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();
        var order = (await (await Sdk3Async(key, HttpMethod.Post, "/orders", """{"amount_kg":1}""")).ReadJsonAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();
        var category = (await (await Sdk3Async(key, HttpMethod.Get, $"/portfolios/{portfolio}")).ReadJsonAsync(HttpStatusCode.OK))["category_allocations"]![0]!["category"]!["id"]!.GetValue<string>();
        // Every request 2.8.0 and 3.1.0 make (checkout sessions excepted: the payments work adds them).
        (HttpMethod Method, string Path, string? Body)[] calls =
        [
            (HttpMethod.Get, $"/orders/{order}", null), (HttpMethod.Get, "/orders?limit=1", null), (HttpMethod.Post, "/orders", """{"amount_kg":1}"""),
            (HttpMethod.Post, "/orders/ride", """{"distance_km":3}"""), (HttpMethod.Post, "/quotes", """{"amount_kg":1}"""),
            (HttpMethod.Post, "/quotes/air-freight", """{"freight_mass_kg":1,"distance_km":1}"""), (HttpMethod.Post, "/quotes/flight", """{"distance_km":1}"""),
            (HttpMethod.Post, "/quotes/ground-freight", """{"freight_mass_kg":1,"distance_km":1}"""),
            (HttpMethod.Post, "/quotes/ground-transport", """{"distance_km":1,"vehicle_type":"small_bus"}"""),
            (HttpMethod.Post, "/quotes/office-space", """{"square_footage":1}"""), (HttpMethod.Post, "/quotes/train", """{"distance_km":1}"""),
            (HttpMethod.Post, "/subaccounts", """{"name":"More"}"""), (HttpMethod.Put, $"/subaccounts/{sub}", """{"name":"Calls 2"}"""),
            (HttpMethod.Post, $"/subaccounts/{sub}/logo", """{"logo_url":"https://example.com/l.png"}"""), (HttpMethod.Delete, $"/subaccounts/{sub}/logo", null),
            (HttpMethod.Get, $"/subaccounts/{sub}", null), (HttpMethod.Get, "/subaccounts?limit=5", null), (HttpMethod.Get, "/impact/data", null),
            (HttpMethod.Get, "/impact/hosted-page-config", null), (HttpMethod.Get, $"/projects/{project}", null),
            (HttpMethod.Get, $"/project-categories/{category}", null), (HttpMethod.Get, $"/portfolios/{portfolio}", null), (HttpMethod.Get, "/portfolios", null),
            (HttpMethod.Post, $"/orders/{order}/cancel", null), (HttpMethod.Delete, $"/subaccounts/{sub}", null),
        ];
        foreach (var (method, path, body) in calls)
        {
            var response = await Sdk3Async(key, method, path, body);
            Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
        }
    }

    [Fact]
    public async Task PortfolioPricesAreNumbersAs3xReadsThem()
    {
        app.RequireAvailable();
        var (key, portfolio, _) = await SandboxPricedAccountAsync();
        var shown = await (await Sdk3Async(key, HttpMethod.Get, $"/portfolios/{portfolio}")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(System.Text.Json.JsonValueKind.Number, shown["checkout_price_per_kg_usd_cents"]!.GetValueKind());
        Assert.Equal(2m, shown["checkout_price_per_kg_usd_cents"]!.GetValue<decimal>());
        Assert.Equal(2m, shown["api_price_per_kg_usd_cents"]!.GetValue<decimal>());
        var listed = (await (await Sdk3Async(key, HttpMethod.Get, "/portfolios")).ReadJsonAsync(HttpStatusCode.OK))["data"]!.AsArray()
            .Single(p => p!["id"]!.GetValue<string>() == portfolio)!;
        Assert.Equal(2m, listed["api_price_per_kg_usd_cents"]!.GetValue<decimal>());
    }
}

public sealed class CnaughtSdk3TestsOnSqlite(SqliteApp app) : CnaughtSdk3Tests(app), IClassFixture<SqliteApp>;

public sealed class CnaughtSdk3TestsOnPostgres(PostgresApp app) : CnaughtSdk3Tests(app), IClassFixture<PostgresApp>;
