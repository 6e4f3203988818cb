using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Foundation;

/// <summary>The operator API (DESIGN §8): every endpoint's success shape, and bad input refused with nothing written.</summary>
public abstract class OperatorApiTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] AccountKeys =
    [
        "billing", "card_on_file", "created_at", "credits_balance_usd_cents", "currency", "default_portfolio_id", "email",
        "hosted_impact_page_enabled", "hosted_impact_page_equivalents", "id", "impact_slug", "name", "public_feed_opt_in", "ride_grams_per_km",
    ];

    private static readonly string[] ProjectKeys = new[]
    {
        "active", "category_id", "certification_status", "certified", "cost_per_ton_usd_cents", "cost_per_tree_usd_cents", "description",
        "developer", "id", "image_url", "kind", "location_latitude", "location_longitude", "location_name", "name", "registry_id",
        "registry_name", "registry_url", "summary", "type", "un_sdg_goals", "wren_id",
        "activity_types", "beyond_carbon", "due_diligence", "due_diligence_figure", "impact_type", "lifetime", "methodology",
        "news_articles", "notable_buyers", "permanence", "risk_of_reversal", "third_party_labels", "verifier",
    }.Order(StringComparer.Ordinal).ToArray();

    private static readonly string[] PortfolioKeys = ["active", "allocations", "description", "id", "image_url", "is_default", "name", "summary", "wren_id"];

    private static readonly string[] InventoryKeys =
        ["available_kg", "created_at", "grams_available", "grams_issued", "grams_retired", "id", "issued_kg", "project_id", "registry_name", "registry_url", "serial_prefix", "vintage"];

    private Task<HttpResponseMessage> PostAsync(string url, object body) => app.Admin().PostAsJsonAsync(url, body, Ct);

    private Task<HttpResponseMessage> PatchAsync(string url, object body) => app.Admin().PatchAsJsonAsync(url, body, Ct);

    private Task<JsonArray> ListAsync(string url) => app.Admin().ListAllAsync(url);

    private async Task<bool> ListedAsync(string url, string id) =>
        (await ListAsync(url)).Any(x => x!["id"]!.GetValue<string>() == id);

    private async Task<long> BalanceAsync(long accountId) =>
        (await app.Admin().GetJsonAsync($"/admin/accounts/{accountId}/credits"))["balance_usd_cents"]!.GetValue<long>();

    // ---------------------------------------------------------------- accounts

    [Fact]
    public async Task CreatingAnAccountReturns201WithTheAccount()
    {
        var project = await app.CreateProjectAsync();
        var portfolio = await app.CreatePortfolioAsync((project["id"]!.GetValue<string>(), 1m));
        var slug = "co-" + TestData.NewId().ToLowerInvariant();
        var response = await PostAsync("/admin/accounts", new
        {
            name = "  Acme Ltd  ",
            email = "billing@acme.example",
            currency = "eur",
            default_portfolio_id = portfolio["id"]!.GetValue<string>(),
            billing = "credits",
            public_feed_opt_in = true,
            impact_slug = slug,
        });
        var account = await response.ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal(AccountKeys, account.Keys());
        var id = account["id"]!.GetValue<long>();
        Assert.Equal($"/admin/accounts/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("Acme Ltd", account["name"]!.GetValue<string>());
        Assert.Equal("EUR", account["currency"]!.GetValue<string>());
        Assert.Equal("credits", account["billing"]!.GetValue<string>());
        Assert.Equal(portfolio["id"]!.GetValue<string>(), account["default_portfolio_id"]!.GetValue<string>());
        Assert.Equal(slug, account["impact_slug"]!.GetValue<string>());
        Assert.True(account["public_feed_opt_in"]!.GetValue<bool>());
        Assert.False(account["card_on_file"]!.GetValue<bool>());
        Assert.Equal(0, account["credits_balance_usd_cents"]!.GetValue<long>());

        var fetched = await app.Admin().GetJsonAsync($"/admin/accounts/{id}");
        Assert.Equal(account.ToJsonString(), fetched.ToJsonString());
        Assert.Contains(await ListAsync("/admin/accounts"), a => a!["id"]!.GetValue<long>() == id);
    }

    [Fact]
    public async Task AMinimalAccountGetsDefaults()
    {
        var account = await (await PostAsync("/admin/accounts", new { name = "Minimal" })).ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal("USD", account["currency"]!.GetValue<string>());
        Assert.Equal("none", account["billing"]!.GetValue<string>());
        Assert.Null(account["email"]);
        Assert.Null(account["default_portfolio_id"]);
        // The hosted impact page is on by default, at the name plus eight random characters.
        Assert.Matches("^minimal-[a-z0-9]{8}$", account["impact_slug"]!.GetValue<string>());
        Assert.True(account["hosted_impact_page_enabled"]!.GetValue<bool>());
        Assert.Equal(["cars_off_the_road", "trees_planted", "homes_annual_energy_usage", "flights_lax_to_nyc"],
            account["hosted_impact_page_equivalents"]!.AsArray().Select(e => e!.GetValue<string>()));
        Assert.True(account.ContainsKey("email"), "Optional fields are sent as null, not omitted.");
    }

    [Theory]
    [InlineData("{\"name\": \"\"}", "name")]
    [InlineData("{\"name\": \"   \"}", "name")]
    [InlineData("{}", "name")]
    [InlineData("{\"name\": 42}", "name")]
    [InlineData("{\"name\": \"A\", \"email\": \"not-an-email\"}", "email")]
    [InlineData("{\"name\": \"A\", \"currency\": \"XYZ\"}", "currency")]
    [InlineData("{\"name\": \"A\", \"currency\": \"US\"}", "currency")]
    [InlineData("{\"name\": \"A\", \"billing\": \"barter\"}", "billing")]
    [InlineData("{\"name\": \"A\", \"billing\": 2}", "billing")]
    [InlineData("{\"name\": \"A\", \"public_feed_opt_in\": \"yes\"}", "public_feed_opt_in")]
    [InlineData("{\"name\": \"A\", \"impact_slug\": \"Not A Slug\"}", "impact_slug")]
    [InlineData("{\"name\": \"A\", \"hosted_impact_page_equivalents\": [\"rockets\"]}", "hosted_impact_page_equivalents")]
    [InlineData("{\"name\": \"A\", \"hosted_impact_page_equivalents\": \"trees_planted\"}", "hosted_impact_page_equivalents")]
    [InlineData("{\"name\": \"A\", \"hosted_impact_page_equivalents\": [null]}", "hosted_impact_page_equivalents")]
    [InlineData("{\"name\": \"A\", \"hosted_impact_page_enabled\": \"yes\"}", "hosted_impact_page_enabled")]
    [InlineData("{\"name\": \"A\", \"default_portfolio_id\": \"no-such-portfolio\"}", "default_portfolio_id")]
    public async Task BadAccountIsRefusedNamingTheField(string json, string field)
    {
        var before = (await ListAsync("/admin/accounts")).Count;
        await (await app.Admin().PostRawAsync("/admin/accounts", json)).AssertInvalidAsync(field);
        Assert.Equal(before, (await ListAsync("/admin/accounts")).Count);
    }

    [Fact]
    public async Task TooLongAccountNameIsRefused()
    {
        var name = new string('n', 201);
        await (await PostAsync("/admin/accounts", new { name })).AssertInvalidAsync("name");
        Assert.DoesNotContain(await ListAsync("/admin/accounts"), a => a!["name"]!.GetValue<string>() == name);
    }

    [Theory]
    [InlineData("{\"name\": ")]
    [InlineData("{\"name\": \"x\",}")]
    [InlineData("not json")]
    [InlineData("[1, 2]")]
    [InlineData("null")]
    [InlineData("\"a string\"")]
    [InlineData("{\"name\": \"x\"} trailing")]
    public async Task MalformedJsonIsAClearBadRequest(string json)
    {
        var body = await (await app.Admin().PostRawAsync("/admin/accounts", json)).AssertInvalidAsync("body");
        Assert.DoesNotContain("System.", body.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EmptyBodyNamesTheRequiredField()
    {
        var response = await app.Admin().PostAsync("/admin/accounts", new StringContent("", System.Text.Encoding.UTF8, "application/json"), Ct);
        await response.AssertInvalidAsync("name");
        var noContentType = await app.Admin().PostAsync("/admin/accounts", null, Ct);
        await noContentType.AssertInvalidAsync("name");
    }

    [Fact]
    public async Task JsonWithAByteOrderMarkIsAccepted()
    {
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(System.Text.Encoding.UTF8.GetBytes("{\"name\": \"Bom Ltd\"}")).ToArray();
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        var account = await (await app.Admin().PostAsync("/admin/accounts", content, Ct)).ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal("Bom Ltd", account["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task ARetiredPortfolioCannotBeAnAccountsDefault()
    {
        var project = (await app.CreateProjectAsync())["id"]!.GetValue<string>();
        var portfolio = (await app.CreatePortfolioAsync((project, 1m)))["id"]!.GetValue<string>();
        await (await PatchAsync($"/admin/portfolios/{portfolio}", new { active = false })).ReadJsonAsync(HttpStatusCode.OK);
        var name = "Retired default " + TestData.NewId();
        await (await PostAsync("/admin/accounts", new { name, default_portfolio_id = portfolio })).AssertInvalidAsync("default_portfolio_id");
        Assert.DoesNotContain(await ListAsync("/admin/accounts"), a => a!["name"]!.GetValue<string>() == name);
        var account = await app.CreateAccountAsync();
        await (await PatchAsync($"/admin/accounts/{account.Id}", new { default_portfolio_id = portfolio })).AssertInvalidAsync("default_portfolio_id");
        Assert.Null((await app.Admin().GetJsonAsync($"/admin/accounts/{account.Id}"))["default_portfolio_id"]);
    }

    [Fact]
    public async Task FormPostsAreRefusedByTheOperatorApi()
    {
        var response = await app.Admin().PostRawAsync("/admin/accounts", "name=Acme", "application/x-www-form-urlencoded");
        var problem = await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType);
        Assert.Equal("body: Send the body as application/json.", problem["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task DuplicateImpactSlugIsRefused()
    {
        var slug = "slug-" + TestData.NewId().ToLowerInvariant();
        await (await PostAsync("/admin/accounts", new { name = "First", impact_slug = slug })).ReadJsonAsync(HttpStatusCode.Created);
        await (await PostAsync("/admin/accounts", new { name = "Second", impact_slug = slug })).AssertInvalidAsync("impact_slug");
        Assert.Single(await ListAsync("/admin/accounts"), a => a!["impact_slug"]?.GetValue<string>() == slug);
    }

    [Fact]
    public async Task PatchingAnAccountChangesOnlyTheFieldsGiven()
    {
        var account = await app.CreateAccountAsync(new { name = "Before", email = "a@example.com" });
        var patched = await (await PatchAsync($"/admin/accounts/{account.Id}", new { name = "After", billing = "invoice", hosted_impact_page_enabled = true }))
            .ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(AccountKeys, patched.Keys());
        Assert.Equal("After", patched["name"]!.GetValue<string>());
        Assert.Equal("invoice", patched["billing"]!.GetValue<string>());
        Assert.True(patched["hosted_impact_page_enabled"]!.GetValue<bool>());
        Assert.Equal("a@example.com", patched["email"]!.GetValue<string>());
        Assert.Equal(patched.ToJsonString(), (await app.Admin().GetJsonAsync($"/admin/accounts/{account.Id}")).ToJsonString());
    }

    [Fact]
    public async Task BadPatchChangesNothing()
    {
        var account = await app.CreateAccountAsync(new { name = "Unchanged" });
        var before = await app.Admin().GetJsonAsync($"/admin/accounts/{account.Id}");
        await (await PatchAsync($"/admin/accounts/{account.Id}", new { name = "Changed", default_portfolio_id = "nope" })).AssertInvalidAsync("default_portfolio_id");
        await (await PatchAsync($"/admin/accounts/{account.Id}", new { name = "Changed", currency = "ZZZ" })).AssertInvalidAsync("currency");
        await (await PatchAsync($"/admin/accounts/{account.Id}", new { name = "" })).AssertInvalidAsync("name");
        await (await app.Admin().PatchAsync($"/admin/accounts/{account.Id}", new StringContent("{\"name\":", System.Text.Encoding.UTF8, "application/json"), Ct))
            .AssertInvalidAsync("body");
        Assert.Equal(before.ToJsonString(), (await app.Admin().GetJsonAsync($"/admin/accounts/{account.Id}")).ToJsonString());
    }

    [Fact]
    public async Task UnknownAccountIs404Everywhere()
    {
        const long missing = 987_654_321;
        var admin = app.Admin();
        var responses = new[]
        {
            await admin.GetAsync($"/admin/accounts/{missing}", Ct),
            await admin.PatchAsJsonAsync($"/admin/accounts/{missing}", new { name = "x" }, Ct),
            await admin.PostAsJsonAsync($"/admin/accounts/{missing}/users", new { email = "a@example.com" }, Ct),
            await admin.GetAsync($"/admin/accounts/{missing}/users", Ct),
            await admin.PostAsJsonAsync($"/admin/accounts/{missing}/tokens", new { mode = "live" }, Ct),
            await admin.GetAsync($"/admin/accounts/{missing}/tokens", Ct),
            await admin.DeleteAsync($"/admin/accounts/{missing}/tokens/1", Ct),
            await admin.PostAsJsonAsync($"/admin/accounts/{missing}/credits", new { amount_usd_cents = 100 }, Ct),
            await admin.GetAsync($"/admin/accounts/{missing}/credits", Ct),
        };
        foreach (var response in responses) await response.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.DoesNotContain(await ListAsync("/admin/accounts"), a => a!["id"]!.GetValue<long>() == missing);
    }

    // ---------------------------------------------------------------- users

    [Fact]
    public async Task UsersAreCreatedListedAndUniquePerAccount()
    {
        var account = await app.CreateAccountAsync();
        var email = $"{TestData.NewId()}@Example.com";
        var response = await PostAsync($"/admin/accounts/{account.Id}/users", new { email, name = "Ada" });
        var user = await response.ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal(["account_id", "created_at", "email", "has_login", "id", "name"], user.Keys());
        Assert.Equal(email.ToLowerInvariant(), user["email"]!.GetValue<string>());
        Assert.True(user["has_login"]!.GetValue<bool>());
        Assert.Equal(account.Id, user["account_id"]!.GetValue<long>());

        await (await PostAsync($"/admin/accounts/{account.Id}/users", new { email = email.ToUpperInvariant() })).AssertProblemAsync(HttpStatusCode.Conflict);
        await (await PostAsync($"/admin/accounts/{account.Id}/users", new { email = "nope" })).AssertInvalidAsync("email");
        await (await PostAsync($"/admin/accounts/{account.Id}/users", new { email = "a@example.com", name = new string('x', 201) })).AssertInvalidAsync("name");
        await (await PostAsync($"/admin/accounts/{account.Id}/users", new { email = "a@example.com", has_login = "no" })).AssertInvalidAsync("has_login");

        var users = await ListAsync($"/admin/accounts/{account.Id}/users");
        Assert.Equal(user["id"]!.GetValue<long>(), Assert.Single(users)!["id"]!.GetValue<long>());
    }

    // ---------------------------------------------------------------- tokens

    [Fact]
    public async Task TokensAreShownOnceListedWithoutSecretsAndRevoked()
    {
        var account = await app.CreateAccountAsync();
        var response = await PostAsync($"/admin/accounts/{account.Id}/tokens", new { mode = "test", name = "CI" });
        var created = await response.ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal(["account_id", "created_at", "id", "kind", "mode", "name", "prefix", "token", "user_id"], created.Keys());
        Assert.Equal("test", created["mode"]!.GetValue<string>());
        Assert.Equal("team", created["kind"]!.GetValue<string>());
        Assert.StartsWith("wren_test_", created["token"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.StartsWith(created["prefix"]!.GetValue<string>(), created["token"]!.GetValue<string>(), StringComparison.Ordinal);

        var tokens = await ListAsync($"/admin/accounts/{account.Id}/tokens");
        Assert.Equal(3, tokens.Count);
        Assert.All(tokens, t =>
        {
            Assert.Equal(["account_id", "created_at", "id", "kind", "last_used_at", "mode", "name", "prefix", "revoked_at", "user_id"], t.Keys());
            Assert.DoesNotContain(account.LiveToken, t!.ToJsonString(), StringComparison.Ordinal);
        });

        var id = created["id"]!.GetValue<long>();
        var revoked = await (await app.Admin().DeleteAsync($"/admin/accounts/{account.Id}/tokens/{id}", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        var revokedAt = revoked["revoked_at"]!.GetValue<DateTime>();
        // Revoking again keeps the first time.
        var again = await (await app.Admin().DeleteAsync($"/admin/accounts/{account.Id}/tokens/{id}", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(revokedAt, again["revoked_at"]!.GetValue<DateTime>());
    }

    [Fact]
    public async Task ATokenOfAnotherAccountCannotBeRevokedThroughThisOne()
    {
        var mine = await app.CreateAccountAsync();
        var other = await app.CreateAccountAsync();
        var otherToken = (await ListAsync($"/admin/accounts/{other.Id}/tokens"))[0]!["id"]!.GetValue<long>();
        await (await app.Admin().DeleteAsync($"/admin/accounts/{mine.Id}/tokens/{otherToken}", Ct)).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.All(await ListAsync($"/admin/accounts/{other.Id}/tokens"), t => Assert.Null(t!["revoked_at"]));
    }

    [Fact]
    public async Task BadTokenRequestsAreRefused()
    {
        var account = await app.CreateAccountAsync();
        var other = await app.CreateAccountAsync();
        var otherUser = await (await PostAsync($"/admin/accounts/{other.Id}/users", new { email = $"{TestData.NewId()}@example.com" })).ReadJsonAsync(HttpStatusCode.Created);
        await (await PostAsync($"/admin/accounts/{account.Id}/tokens", new { })).AssertInvalidAsync("mode");
        await (await PostAsync($"/admin/accounts/{account.Id}/tokens", new { mode = "sandbox" })).AssertInvalidAsync("mode");
        await (await PostAsync($"/admin/accounts/{account.Id}/tokens", new { mode = "live", kind = "robot" })).AssertInvalidAsync("kind");
        await (await PostAsync($"/admin/accounts/{account.Id}/tokens", new { mode = "live", kind = "personal" })).AssertInvalidAsync("user_id");
        await (await PostAsync($"/admin/accounts/{account.Id}/tokens", new { mode = "live", user_id = 1 })).AssertInvalidAsync("user_id");
        await (await PostAsync($"/admin/accounts/{account.Id}/tokens", new { mode = "live", kind = "personal", user_id = otherUser["id"]!.GetValue<long>() }))
            .AssertInvalidAsync("user_id");
        await (await PostAsync($"/admin/accounts/{account.Id}/tokens", new { mode = "live", name = new string('t', 201) })).AssertInvalidAsync("name");
        Assert.Equal(2, (await ListAsync($"/admin/accounts/{account.Id}/tokens")).Count);
    }

    // ---------------------------------------------------------------- credits

    [Fact]
    public async Task CreditsAddUpAndShowOnTheAccount()
    {
        var account = await app.CreateAccountAsync();
        var first = await (await PostAsync($"/admin/accounts/{account.Id}/credits", new { amount_usd_cents = 1_500, note = "prepaid" })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(["account_id", "balance_usd_cents", "transaction_id"], first.Keys());
        Assert.Equal(1_500, first["balance_usd_cents"]!.GetValue<long>());
        Assert.True(first["transaction_id"]!.GetValue<long>() > 0);
        var second = await (await PostAsync($"/admin/accounts/{account.Id}/credits", new { amount_usd_cents = 1 })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(1_501, second["balance_usd_cents"]!.GetValue<long>());
        Assert.NotEqual(first["transaction_id"]!.GetValue<long>(), second["transaction_id"]!.GetValue<long>());

        var get = await app.Admin().GetJsonAsync($"/admin/accounts/{account.Id}/credits");
        Assert.Equal(["account_id", "balance_usd_cents", "transaction_id"], get.Keys());
        Assert.Equal(1_501, get["balance_usd_cents"]!.GetValue<long>());
        Assert.Equal(1_501, (await app.Admin().GetJsonAsync($"/admin/accounts/{account.Id}"))["credits_balance_usd_cents"]!.GetValue<long>());
        await app.AssertLedgerSoundAsync();
    }

    [Theory]
    [InlineData("{\"amount_usd_cents\": -100}")]
    [InlineData("{\"amount_usd_cents\": 0}")]
    [InlineData("{\"amount_usd_cents\": 100000000001}")]
    [InlineData("{\"amount_usd_cents\": 9223372036854775807}")]
    [InlineData("{\"amount_usd_cents\": 100000000000000000000000}")]
    [InlineData("{\"amount_usd_cents\": \"100\"}")]
    [InlineData("{\"amount_usd_cents\": 10.5}")]
    [InlineData("{\"amount_usd_cents\": 1e3}")]
    [InlineData("{\"amount_usd_cents\": null}")]
    [InlineData("{\"amount_usd_cents\": true}")]
    [InlineData("{}")]
    public async Task BadCreditAmountIsRefusedAndNothingIsPosted(string json)
    {
        var account = await app.CreateAccountAsync(creditsUsdCents: 700);
        var transactions = (await app.Admin().GetJsonAsync("/admin/ledger/check"))["transactions"]!.GetValue<long>();
        await (await app.Admin().PostRawAsync($"/admin/accounts/{account.Id}/credits", json)).AssertInvalidAsync("amount_usd_cents");
        Assert.Equal(700, await BalanceAsync(account.Id));
        Assert.Equal(transactions, (await app.Admin().GetJsonAsync("/admin/ledger/check"))["transactions"]!.GetValue<long>());
    }

    [Fact]
    public async Task TooLongCreditNoteIsRefused()
    {
        var account = await app.CreateAccountAsync();
        await (await PostAsync($"/admin/accounts/{account.Id}/credits", new { amount_usd_cents = 100, note = new string('n', 1001) })).AssertInvalidAsync("note");
        Assert.Equal(0, await BalanceAsync(account.Id));
    }

    // ---------------------------------------------------------------- categories

    [Fact]
    public async Task CategoriesAreCreatedListedAndUnique()
    {
        var id = TestData.NewId("c");
        var response = await PostAsync("/admin/project-categories", new { id, name = "Biochar", description = "Charred biomass", image_url = "https://img.example/b.png" });
        var category = await response.ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal(["description", "id", "image_url", "name"], category.Keys());
        Assert.Equal(id, category["id"]!.GetValue<string>());
        Assert.True(await ListedAsync("/admin/project-categories", id));

        var generated = await (await PostAsync("/admin/project-categories", new { name = "Generated" })).ReadJsonAsync(HttpStatusCode.Created);
        Assert.Matches("^[A-Za-z0-9_-]{6}$", generated["id"]!.GetValue<string>());
        Assert.Null(generated["description"]);

        await (await PostAsync("/admin/project-categories", new { id, name = "Again" })).AssertProblemAsync(HttpStatusCode.Conflict);
        var listed = (await ListAsync("/admin/project-categories")).Single(c => c!["id"]!.GetValue<string>() == id);
        Assert.Equal("Biochar", listed!["name"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("{\"id\": \"has space\", \"name\": \"C\"}", "id")]
    [InlineData("{\"id\": \"newline\\n\", \"name\": \"C\"}", "id")]
    [InlineData("{\"id\": \"0123456789012345678901234567890123456789012345678901234567890123456789\", \"name\": \"C\"}", "id")]
    [InlineData("{\"name\": \"\"}", "name")]
    [InlineData("{\"name\": [\"C\"]}", "name")]
    [InlineData("{\"name\": \"C\", \"image_url\": \"ftp://x/y.png\"}", "image_url")]
    [InlineData("{\"name\": \"C\", \"image_url\": \"not a url\"}", "image_url")]
    public async Task BadCategoryIsRefused(string json, string field)
    {
        var before = (await ListAsync("/admin/project-categories")).Count;
        await (await app.Admin().PostRawAsync("/admin/project-categories", json)).AssertInvalidAsync(field);
        Assert.Equal(before, (await ListAsync("/admin/project-categories")).Count);
    }

    // ---------------------------------------------------------------- projects

    [Fact]
    public async Task CreatingAProjectReturns201WithEveryField()
    {
        var category = await (await PostAsync("/admin/project-categories", new { id = TestData.NewId("c"), name = "Forests" })).ReadJsonAsync(HttpStatusCode.Created);
        var id = TestData.NewId("p");
        var response = await PostAsync("/admin/projects", new
        {
            id,
            name = "Pachama forest",
            kind = "offset",
            cost_per_ton_usd_cents = 1_234,
            certified = true,
            certification_status = "Verra VCS",
            category_id = category["id"]!.GetValue<string>(),
            type = "Forestry",
            developer = "Dev Co",
            registry_name = "Verra",
            registry_id = "VCS-123",
            registry_url = "https://registry.example/123",
            summary = "Short",
            description = "Long",
            location_name = "Peru",
            location_latitude = -12.5,
            location_longitude = -70.25,
            un_sdg_goals = new[] { 15, 13, 13 },
            image_url = "https://img.example/p.png",
        });
        var project = await response.ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal(ProjectKeys, project.Keys());
        Assert.Equal($"/admin/projects/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(id, project["id"]!.GetValue<string>());
        Assert.True(project["wren_id"]!.GetValue<long>() > 0);
        Assert.Equal("offset", project["kind"]!.GetValue<string>());
        Assert.Equal(1_234, project["cost_per_ton_usd_cents"]!.GetValue<long>());
        Assert.Null(project["cost_per_tree_usd_cents"]);
        Assert.Equal("[13,15]", project["un_sdg_goals"]!.ToJsonString());
        Assert.Equal(-12.5, project["location_latitude"]!.GetValue<double>());
        Assert.True(project["active"]!.GetValue<bool>());

        Assert.Equal(project.ToJsonString(), (await app.Admin().GetJsonAsync($"/admin/projects/{id}")).ToJsonString());
        Assert.True(await ListedAsync("/admin/projects", id));
    }

    [Fact]
    public async Task TreeAndDonationProjectsArePricedTheirOwnWay()
    {
        var tree = await app.CreateProjectAsync(150, kind: "tree");
        Assert.Equal("tree", tree["kind"]!.GetValue<string>());
        Assert.Equal(150, tree["cost_per_tree_usd_cents"]!.GetValue<long>());
        Assert.Null(tree["cost_per_ton_usd_cents"]);
        var donation = await app.CreateProjectAsync(5_000, kind: "donation");
        Assert.Equal("donation", donation["kind"]!.GetValue<string>());
        Assert.Equal(5_000, donation["cost_per_ton_usd_cents"]!.GetValue<long>());
    }

    [Fact]
    public async Task DuplicateProjectIdIs409AndKeepsTheFirst()
    {
        var first = await app.CreateProjectAsync(1_000);
        var id = first["id"]!.GetValue<string>();
        await (await PostAsync("/admin/projects", new { id, name = "Impostor", kind = "offset", cost_per_ton_usd_cents = 1 })).AssertProblemAsync(HttpStatusCode.Conflict);
        var stored = await app.Admin().GetJsonAsync($"/admin/projects/{id}");
        Assert.Equal(first["name"]!.GetValue<string>(), stored["name"]!.GetValue<string>());
        Assert.Single(await ListAsync("/admin/projects"), p => p!["id"]!.GetValue<string>() == id);
    }

    public static TheoryData<string, string> BadProjects => new()
    {
        { "{\"name\": \"P\", \"kind\": \"offset\"}", "cost_per_ton_usd_cents" },
        { "{\"name\": \"P\", \"kind\": \"donation\"}", "cost_per_ton_usd_cents" },
        { "{\"name\": \"P\", \"kind\": \"tree\", \"cost_per_tree_usd_cents\": 100, \"cost_per_ton_usd_cents\": 100}", "cost_per_ton_usd_cents" },
        { "{\"name\": \"P\", \"kind\": \"tree\"}", "cost_per_tree_usd_cents" },
        { "{\"name\": \"P\", \"kind\": \"offset\", \"cost_per_ton_usd_cents\": 100, \"cost_per_tree_usd_cents\": 100}", "cost_per_tree_usd_cents" },
        { "{\"name\": \"P\", \"kind\": \"offset\", \"cost_per_ton_usd_cents\": 0}", "cost_per_ton_usd_cents" },
        { "{\"name\": \"P\", \"kind\": \"offset\", \"cost_per_ton_usd_cents\": -5}", "cost_per_ton_usd_cents" },
        { "{\"name\": \"P\", \"kind\": \"offset\", \"cost_per_ton_usd_cents\": 100000001}", "cost_per_ton_usd_cents" },
        { "{\"name\": \"P\", \"kind\": \"offset\", \"cost_per_ton_usd_cents\": \"1000\"}", "cost_per_ton_usd_cents" },
        { "{\"name\": \"P\", \"kind\": \"offset\", \"cost_per_ton_usd_cents\": 10.5}", "cost_per_ton_usd_cents" },
        { "{\"name\": \"P\", \"cost_per_ton_usd_cents\": 100}", "kind" },
        { "{\"name\": \"P\", \"kind\": \"biochar\", \"cost_per_ton_usd_cents\": 100}", "kind" },
        { "{\"name\": \"P\", \"kind\": 0, \"cost_per_ton_usd_cents\": 100}", "kind" },
        { "{\"kind\": \"offset\", \"cost_per_ton_usd_cents\": 100}", "name" },
        { "{\"name\": \"P\", \"kind\": \"offset\", \"cost_per_ton_usd_cents\": 100, \"category_id\": \"no-such-category\"}", "category_id" },
        { "{\"name\": \"P\", \"kind\": \"offset\", \"cost_per_ton_usd_cents\": 100, \"id\": \"bad id!\"}", "id" },
        { "{\"name\": \"P\", \"kind\": \"offset\", \"cost_per_ton_usd_cents\": 100, \"type\": \"" + new string('t', 101) + "\"}", "type" },
        { "{\"name\": \"" + new string('n', 201) + "\", \"kind\": \"offset\", \"cost_per_ton_usd_cents\": 100}", "name" },
        { "{\"name\": \"P\", \"kind\": \"offset\", \"cost_per_ton_usd_cents\": 100, \"location_latitude\": 91}", "location_latitude" },
        { "{\"name\": \"P\", \"kind\": \"offset\", \"cost_per_ton_usd_cents\": 100, \"location_longitude\": -181}", "location_longitude" },
        { "{\"name\": \"P\", \"kind\": \"offset\", \"cost_per_ton_usd_cents\": 100, \"un_sdg_goals\": [0]}", "un_sdg_goals[0]" },
        { "{\"name\": \"P\", \"kind\": \"offset\", \"cost_per_ton_usd_cents\": 100, \"un_sdg_goals\": [3, 18]}", "un_sdg_goals[1]" },
        { "{\"name\": \"P\", \"kind\": \"offset\", \"cost_per_ton_usd_cents\": 100, \"un_sdg_goals\": 3}", "un_sdg_goals" },
        { "{\"name\": \"P\", \"kind\": \"offset\", \"cost_per_ton_usd_cents\": 100, \"registry_url\": \"javascript:alert(1)\"}", "registry_url" },
        { "{\"name\": \"P\", \"kind\": \"offset\", \"cost_per_ton_usd_cents\": 100, \"certified\": \"true\"}", "certified" },
    };

    [Theory]
    [MemberData(nameof(BadProjects))]
    public async Task BadProjectIsRefusedNamingTheField(string json, string field)
    {
        var id = TestData.NewId("p");
        var withId = json.Contains("\"id\"", StringComparison.Ordinal) ? json : json.Insert(1, $"\"id\": \"{id}\", ");
        await (await app.Admin().PostRawAsync("/admin/projects", withId)).AssertInvalidAsync(field);
        Assert.False(await ListedAsync("/admin/projects", id));
        await (await app.Admin().GetAsync($"/admin/projects/{id}", Ct)).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task PatchingAProjectChangesTheFieldsGiven()
    {
        var category = await (await PostAsync("/admin/project-categories", new { id = TestData.NewId("c"), name = "Soil" })).ReadJsonAsync(HttpStatusCode.Created);
        var project = await app.CreateProjectAsync(1_000);
        var id = project["id"]!.GetValue<string>();
        var patched = await (await PatchAsync($"/admin/projects/{id}", new
        {
            name = "Renamed",
            cost_per_ton_usd_cents = 2_000,
            category_id = category["id"]!.GetValue<string>(),
            un_sdg_goals = new[] { 2, 1 },
            active = false,
        })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(ProjectKeys, patched.Keys());
        Assert.Equal("Renamed", patched["name"]!.GetValue<string>());
        Assert.Equal(2_000, patched["cost_per_ton_usd_cents"]!.GetValue<long>());
        Assert.Equal("[1,2]", patched["un_sdg_goals"]!.ToJsonString());
        Assert.False(patched["active"]!.GetValue<bool>());
        Assert.Equal(project["type"]!.GetValue<string>(), patched["type"]!.GetValue<string>());
        Assert.Equal(patched.ToJsonString(), (await app.Admin().GetJsonAsync($"/admin/projects/{id}")).ToJsonString());
    }

    [Fact]
    public async Task BadProjectPatchChangesNothing()
    {
        var project = await app.CreateProjectAsync(1_000);
        var tree = await app.CreateProjectAsync(100, kind: "tree");
        var id = project["id"]!.GetValue<string>();
        await (await PatchAsync($"/admin/projects/{id}", new { name = "X", cost_per_tree_usd_cents = 5 })).AssertInvalidAsync("cost_per_tree_usd_cents");
        await (await PatchAsync($"/admin/projects/{tree["id"]!.GetValue<string>()}", new { cost_per_ton_usd_cents = 5 })).AssertInvalidAsync("cost_per_ton_usd_cents");
        await (await PatchAsync($"/admin/projects/{id}", new { name = "X", category_id = "missing" })).AssertInvalidAsync("category_id");
        await (await PatchAsync($"/admin/projects/{id}", new { name = "X", cost_per_ton_usd_cents = 0 })).AssertInvalidAsync("cost_per_ton_usd_cents");
        await (await PatchAsync($"/admin/projects/{id}", new { name = "" })).AssertInvalidAsync("name");
        Assert.Equal(project.ToJsonString(), (await app.Admin().GetJsonAsync($"/admin/projects/{id}")).ToJsonString());
        await (await PatchAsync("/admin/projects/no-such-project", new { name = "X" })).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await app.Admin().GetAsync("/admin/projects/no-such-project", Ct)).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    // ---------------------------------------------------------------- portfolios

    [Fact]
    public async Task CreatingAPortfolioReturns201WithItsAllocations()
    {
        var a = (await app.CreateProjectAsync(1_000))["id"]!.GetValue<string>();
        var b = (await app.CreateProjectAsync(3_000, kind: "donation"))["id"]!.GetValue<string>();
        var id = TestData.NewId("f");
        var response = await PostAsync("/admin/portfolios", new
        {
            id,
            name = "Mix",
            summary = "S",
            description = "D",
            image_url = "https://img.example/f.png",
            allocations = new object[] { new { project_id = a, fraction = 0.75m }, new { project_id = b, fraction = 0.25m } },
        });
        var portfolio = await response.ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal(PortfolioKeys, portfolio.Keys());
        Assert.Equal($"/admin/portfolios/{id}", response.Headers.Location?.OriginalString);
        Assert.True(portfolio["wren_id"]!.GetValue<long>() > 0);
        Assert.False(portfolio["is_default"]!.GetValue<bool>());
        Assert.True(portfolio["active"]!.GetValue<bool>());
        var allocations = portfolio["allocations"]!.AsArray();
        Assert.Equal(["fraction", "project_id"], allocations[0].Keys());
        Assert.Equal($"[{{\"project_id\":\"{a}\",\"fraction\":0.75}},{{\"project_id\":\"{b}\",\"fraction\":0.25}}]", allocations.ToJsonString());

        var listed = (await ListAsync("/admin/portfolios")).Single(p => p!["id"]!.GetValue<string>() == id);
        Assert.Equal(portfolio.ToJsonString(), listed!.ToJsonString());
    }

    [Fact]
    public async Task SixDecimalFractionsThatSumToOneAreAccepted()
    {
        var a = (await app.CreateProjectAsync())["id"]!.GetValue<string>();
        var b = (await app.CreateProjectAsync())["id"]!.GetValue<string>();
        var c = (await app.CreateProjectAsync())["id"]!.GetValue<string>();
        var portfolio = await app.CreatePortfolioAsync((a, 0.333333m), (b, 0.333333m), (c, 0.333334m));
        var fractions = portfolio["allocations"]!.AsArray().Select(x => x!["fraction"]!.GetValue<decimal>()).ToArray();
        Assert.Equal([0.333333m, 0.333333m, 0.333334m], fractions);
        Assert.Equal(1m, fractions.Sum());
    }

    public static TheoryData<string, string> BadPortfolios => new()
    {
        // {0}, {1}, {2} are two offset projects and a tree project.
        { "[{\"project_id\": \"{0}\", \"fraction\": 0.5}, {\"project_id\": \"{1}\", \"fraction\": 0.4}]", "allocations" },
        { "[{\"project_id\": \"{0}\", \"fraction\": 0.5}, {\"project_id\": \"{1}\", \"fraction\": 0.6}]", "allocations" },
        { "[{\"project_id\": \"{0}\", \"fraction\": 0.333333}, {\"project_id\": \"{1}\", \"fraction\": 0.333333}, {\"project_id\": \"{3}\", \"fraction\": 0.333333}]", "allocations" },
        { "[{\"project_id\": \"{0}\", \"fraction\": 0.5000001}, {\"project_id\": \"{1}\", \"fraction\": 0.4999999}]", "allocations[0].fraction" },
        { "[{\"project_id\": \"{0}\", \"fraction\": 0.5}, {\"project_id\": \"no-such-project\", \"fraction\": 0.5}]", "allocations[1].project_id" },
        { "[{\"project_id\": \"{2}\", \"fraction\": 1}]", "allocations[0].project_id" },
        { "[{\"project_id\": \"{0}\", \"fraction\": 0.5}, {\"project_id\": \"{0}\", \"fraction\": 0.5}]", "allocations" },
        { "[{\"project_id\": \"{0}\", \"fraction\": 0}, {\"project_id\": \"{1}\", \"fraction\": 1}]", "allocations[0].fraction" },
        { "[{\"project_id\": \"{0}\", \"fraction\": -0.5}, {\"project_id\": \"{1}\", \"fraction\": 1.5}]", "allocations[0].fraction" },
        { "[{\"project_id\": \"{0}\"}]", "allocations[0].fraction" },
        { "[{\"fraction\": 1}]", "allocations[0].project_id" },
        { "[{\"project_id\": \"{0}\", \"fraction\": \"1\"}]", "allocations[0].fraction" },
        { "[{\"project_id\": 7, \"fraction\": 1}]", "allocations[0].project_id" },
        { "[null]", "allocations[0]" },
        { "[]", "allocations" },
        { "null", "allocations" },
        { "{\"project_id\": \"{0}\", \"fraction\": 1}", "allocations" },
    };

    [Theory]
    [MemberData(nameof(BadPortfolios))]
    public async Task BadPortfolioIsRefusedAndNothingIsWritten(string allocations, string field)
    {
        var a = (await app.CreateProjectAsync())["id"]!.GetValue<string>();
        var b = (await app.CreateProjectAsync())["id"]!.GetValue<string>();
        var tree = (await app.CreateProjectAsync(100, kind: "tree"))["id"]!.GetValue<string>();
        var c = (await app.CreateProjectAsync())["id"]!.GetValue<string>();
        var id = TestData.NewId("f");
        var json = $"{{\"id\": \"{id}\", \"name\": \"Bad\", \"is_default\": true, \"allocations\": {allocations.Replace("{0}", a, StringComparison.Ordinal)
            .Replace("{1}", b, StringComparison.Ordinal).Replace("{2}", tree, StringComparison.Ordinal).Replace("{3}", c, StringComparison.Ordinal)}}}";
        var defaultBefore = (await ListAsync("/admin/portfolios")).Where(p => p!["is_default"]!.GetValue<bool>()).Select(p => p!["id"]!.GetValue<string>()).ToList();

        await (await app.Admin().PostRawAsync("/admin/portfolios", json)).AssertInvalidAsync(field);

        var after = await ListAsync("/admin/portfolios");
        Assert.DoesNotContain(after, p => p!["id"]!.GetValue<string>() == id);
        Assert.Equal(defaultBefore, after.Where(p => p!["is_default"]!.GetValue<bool>()).Select(p => p!["id"]!.GetValue<string>()).ToList());
    }

    [Fact]
    public async Task AWrongTypeDeepInTheBodyIsDescribedByItsOwnType()
    {
        var json = "{\"name\": \"N\", \"allocations\": [{\"project_id\": \"x\", \"fraction\": \"0.5\"}]}";
        var body = await (await app.Admin().PostRawAsync("/admin/portfolios", json)).AssertInvalidAsync("allocations[0].fraction");
        Assert.Equal("The allocations[0].fraction field must be a number.", body["errors"]!["allocations[0].fraction"]![0]!.GetValue<string>());
        var kind = await (await app.Admin().PostRawAsync("/admin/projects", "{\"name\": \"P\", \"kind\": \"forest\"}")).AssertInvalidAsync("kind");
        Assert.Equal("The kind field must be one of: offset, donation, tree.", kind["errors"]!["kind"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task PortfolioNeedsANameAndAValidId()
    {
        var a = (await app.CreateProjectAsync())["id"]!.GetValue<string>();
        var allocations = new[] { new { project_id = a, fraction = 1m } };
        await (await PostAsync("/admin/portfolios", new { allocations })).AssertInvalidAsync("name");
        await (await PostAsync("/admin/portfolios", new { name = new string('n', 201), allocations })).AssertInvalidAsync("name");
        await (await PostAsync("/admin/portfolios", new { id = "no spaces", name = "N", allocations })).AssertInvalidAsync("id");
        await (await PostAsync("/admin/portfolios", new { name = "N", allocations, is_default = "yes" })).AssertInvalidAsync("is_default");
    }

    [Fact]
    public async Task DuplicatePortfolioIdIs409AndKeepsTheFirst()
    {
        var a = (await app.CreateProjectAsync())["id"]!.GetValue<string>();
        var first = await app.CreatePortfolioAsync((a, 1m));
        var id = first["id"]!.GetValue<string>();
        await (await PostAsync("/admin/portfolios", new { id, name = "Impostor", is_default = true, allocations = new[] { new { project_id = a, fraction = 1m } } }))
            .AssertProblemAsync(HttpStatusCode.Conflict);
        var listed = (await ListAsync("/admin/portfolios")).Where(p => p!["id"]!.GetValue<string>() == id).ToList();
        Assert.Equal(first.ToJsonString(), Assert.Single(listed)!.ToJsonString());
    }

    [Fact]
    public async Task MakingAPortfolioDefaultUndefaultsThePreviousOne()
    {
        var a = (await app.CreateProjectAsync())["id"]!.GetValue<string>();
        var first = await (await PostAsync("/admin/portfolios", new { id = TestData.NewId("f"), name = "First", is_default = true, allocations = new[] { new { project_id = a, fraction = 1m } } }))
            .ReadJsonAsync(HttpStatusCode.Created);
        Assert.True(first["is_default"]!.GetValue<bool>());
        Assert.Equal([first["id"]!.GetValue<string>()], await DefaultsAsync());

        var second = await (await PostAsync("/admin/portfolios", new { id = TestData.NewId("f"), name = "Second", is_default = true, allocations = new[] { new { project_id = a, fraction = 1m } } }))
            .ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal([second["id"]!.GetValue<string>()], await DefaultsAsync());

        var third = await app.CreatePortfolioAsync((a, 1m));
        var patched = await (await PatchAsync($"/admin/portfolios/{third["id"]!.GetValue<string>()}", new { is_default = true })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(PortfolioKeys, patched.Keys());
        Assert.True(patched["is_default"]!.GetValue<bool>());
        Assert.Equal([third["id"]!.GetValue<string>()], await DefaultsAsync());
    }

    private async Task<List<string>> DefaultsAsync() =>
        [.. (await ListAsync("/admin/portfolios")).Where(p => p!["is_default"]!.GetValue<bool>()).Select(p => p!["id"]!.GetValue<string>())];

    [Fact]
    public async Task PatchingAPortfolioRenamesAndRetiresIt()
    {
        var a = (await app.CreateProjectAsync())["id"]!.GetValue<string>();
        var portfolio = await app.CreatePortfolioAsync((a, 1m));
        var id = portfolio["id"]!.GetValue<string>();
        var patched = await (await PatchAsync($"/admin/portfolios/{id}", new { name = "Renamed", summary = "New summary", active = false })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("Renamed", patched["name"]!.GetValue<string>());
        Assert.Equal("New summary", patched["summary"]!.GetValue<string>());
        Assert.False(patched["active"]!.GetValue<bool>());
        Assert.Equal(portfolio["allocations"]!.ToJsonString(), patched["allocations"]!.ToJsonString());
        var listed = (await ListAsync("/admin/portfolios")).Single(p => p!["id"]!.GetValue<string>() == id);
        Assert.Equal(patched.ToJsonString(), listed!.ToJsonString());
    }

    [Fact]
    public async Task BadPortfolioPatchChangesNothing()
    {
        var a = (await app.CreateProjectAsync())["id"]!.GetValue<string>();
        var portfolio = await app.CreatePortfolioAsync((a, 1m));
        var id = portfolio["id"]!.GetValue<string>();
        await (await PatchAsync($"/admin/portfolios/{id}", new { name = "" })).AssertInvalidAsync("name");
        await (await PatchAsync($"/admin/portfolios/{id}", new { name = "X", image_url = "nope" })).AssertInvalidAsync("image_url");
        await (await PatchAsync($"/admin/portfolios/{id}", new { name = "X", is_default = true, active = false })).AssertInvalidAsync("is_default");
        await (await PatchAsync($"/admin/portfolios/{id}", new { name = "X", active = "no" })).AssertInvalidAsync("active");
        await (await PatchAsync("/admin/portfolios/no-such-portfolio", new { name = "X" })).AssertProblemAsync(HttpStatusCode.NotFound);
        var listed = (await ListAsync("/admin/portfolios")).Single(p => p!["id"]!.GetValue<string>() == id);
        Assert.Equal(portfolio.ToJsonString(), listed!.ToJsonString());
    }

    [Fact]
    public async Task TheDefaultPortfolioCannotBeRetiredWhileItIsTheDefault()
    {
        var a = (await app.CreateProjectAsync())["id"]!.GetValue<string>();
        var portfolio = await (await PostAsync("/admin/portfolios", new { id = TestData.NewId("f"), name = "Default", is_default = true, allocations = new[] { new { project_id = a, fraction = 1m } } }))
            .ReadJsonAsync(HttpStatusCode.Created);
        var id = portfolio["id"]!.GetValue<string>();
        await (await PatchAsync($"/admin/portfolios/{id}", new { active = false })).AssertInvalidAsync("active");
        var listed = (await ListAsync("/admin/portfolios")).Single(p => p!["id"]!.GetValue<string>() == id);
        Assert.True(listed!["active"]!.GetValue<bool>());
        Assert.True(listed["is_default"]!.GetValue<bool>());

        // Giving up the default in the same request makes retiring it fine.
        var patched = await (await PatchAsync($"/admin/portfolios/{id}", new { is_default = false, active = false })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.False(patched["is_default"]!.GetValue<bool>());
        Assert.False(patched["active"]!.GetValue<bool>());
    }

    // ---------------------------------------------------------------- inventory

    [Fact]
    public async Task InventoryIsAddedAndListedByProject()
    {
        var project = await app.CreateProjectAsync();
        var id = project["id"]!.GetValue<string>();
        var response = await PostAsync("/admin/inventory", new { project_id = id, vintage = 2024, amount_kg = 1_500.125m, registry_name = "Puro", serial_prefix = "PURO-24-" });
        var batch = await response.ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal(InventoryKeys, batch.Keys());
        Assert.Equal(id, batch["project_id"]!.GetValue<string>());
        Assert.Equal(2024, batch["vintage"]!.GetValue<int>());
        Assert.Equal(1_500_125, batch["grams_issued"]!.GetValue<long>());
        Assert.Equal(1_500_125, batch["grams_available"]!.GetValue<long>());
        Assert.Equal(1_500.125m, batch["issued_kg"]!.GetValue<decimal>());
        Assert.Equal(1_500.125m, batch["available_kg"]!.GetValue<decimal>());
        Assert.Equal("Puro", batch["registry_name"]!.GetValue<string>());

        var listed = await ListAsync($"/admin/inventory?project_id={id}");
        Assert.Equal(batch.ToJsonString(), Assert.Single(listed)!.ToJsonString());
        Assert.Contains(await ListAsync("/admin/inventory"), b => b!["id"]!.GetValue<long>() == batch["id"]!.GetValue<long>());
    }

    public static TheoryData<string, string> BadBatches => new()
    {
        { "{\"project_id\": \"{0}\", \"vintage\": 2024, \"amount_kg\": 1.2345}", "amount_kg" },
        { "{\"project_id\": \"{0}\", \"vintage\": 2024, \"amount_kg\": 0}", "amount_kg" },
        { "{\"project_id\": \"{0}\", \"vintage\": 2024, \"amount_kg\": -1}", "amount_kg" },
        { "{\"project_id\": \"{0}\", \"vintage\": 2024, \"amount_kg\": 10000000001}", "amount_kg" },
        { "{\"project_id\": \"{0}\", \"vintage\": 2024, \"amount_kg\": \"10\"}", "amount_kg" },
        { "{\"project_id\": \"{0}\", \"vintage\": 2024}", "amount_kg" },
        { "{\"project_id\": \"{0}\", \"vintage\": 1800, \"amount_kg\": 10}", "vintage" },
        { "{\"project_id\": \"{0}\", \"vintage\": 2024.5, \"amount_kg\": 10}", "vintage" },
        { "{\"project_id\": \"{0}\", \"amount_kg\": 10}", "vintage" },
        { "{\"vintage\": 2024, \"amount_kg\": 10}", "project_id" },
        { "{\"project_id\": \"{1}\", \"vintage\": 2024, \"amount_kg\": 10}", "project_id" },
        { "{\"project_id\": \"{2}\", \"vintage\": 2024, \"amount_kg\": 10}", "project_id" },
        { "{\"project_id\": \"no-such-project\", \"vintage\": 2024, \"amount_kg\": 10}", "project_id" },
    };

    [Theory]
    [MemberData(nameof(BadBatches))]
    public async Task BadInventoryIsRefusedAndNothingIsWritten(string json, string field)
    {
        var offset = (await app.CreateProjectAsync())["id"]!.GetValue<string>();
        var tree = (await app.CreateProjectAsync(100, kind: "tree"))["id"]!.GetValue<string>();
        var donation = (await app.CreateProjectAsync(100, kind: "donation"))["id"]!.GetValue<string>();
        var body = json.Replace("{0}", offset, StringComparison.Ordinal).Replace("{1}", tree, StringComparison.Ordinal).Replace("{2}", donation, StringComparison.Ordinal);
        await (await app.Admin().PostRawAsync("/admin/inventory", body)).AssertInvalidAsync(field);
        foreach (var p in new[] { offset, tree, donation }) Assert.Empty(await ListAsync($"/admin/inventory?project_id={p}"));
    }

    // ---------------------------------------------------------------- races

    /// <summary>Sends the same create eight times at once; returns the status codes.</summary>
    private async Task<HttpStatusCode[]> RaceAsync(string url, string json)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            var client = app.Admin();
            await start.Task;
            return (await client.PostRawAsync(url, json)).StatusCode;
        }, Ct)).ToArray();
        start.SetResult();
        return await Task.WhenAll(tasks);
    }

    [Fact]
    public async Task ConcurrentCreatesOfOneIdMakeOneObjectAndNever500()
    {
        var project = (await app.CreateProjectAsync())["id"]!.GetValue<string>();
        var category = TestData.NewId("c");
        var projectId = TestData.NewId("p");
        var portfolio = TestData.NewId("f");
        var account = await app.CreateAccountAsync();
        var email = $"{TestData.NewId()}@example.com";
        var slug = "race-" + TestData.NewId().ToLowerInvariant();

        var races = new (string Url, string Json, HttpStatusCode Loser)[]
        {
            ("/admin/project-categories", $"{{\"id\": \"{category}\", \"name\": \"C\"}}", HttpStatusCode.Conflict),
            ("/admin/projects", $"{{\"id\": \"{projectId}\", \"name\": \"P\", \"kind\": \"offset\", \"cost_per_ton_usd_cents\": 100}}", HttpStatusCode.Conflict),
            ("/admin/portfolios", $"{{\"id\": \"{portfolio}\", \"name\": \"F\", \"allocations\": [{{\"project_id\": \"{project}\", \"fraction\": 1}}]}}", HttpStatusCode.Conflict),
            ($"/admin/accounts/{account.Id}/users", $"{{\"email\": \"{email}\"}}", HttpStatusCode.Conflict),
            ("/admin/accounts", $"{{\"name\": \"Racer\", \"impact_slug\": \"{slug}\"}}", HttpStatusCode.BadRequest),
        };
        foreach (var (url, json, loser) in races)
        {
            var statuses = await RaceAsync(url, json);
            Assert.True(statuses.Count(s => s == HttpStatusCode.Created) == 1 && statuses.Count(s => s == loser) == 7,
                $"{url}: {string.Join(", ", statuses)}");
        }
        Assert.Single(await ListAsync("/admin/project-categories"), c => c!["id"]!.GetValue<string>() == category);
        Assert.Single(await ListAsync("/admin/projects"), p => p!["id"]!.GetValue<string>() == projectId);
        Assert.Single(await ListAsync("/admin/portfolios"), p => p!["id"]!.GetValue<string>() == portfolio);
        Assert.Single(await ListAsync($"/admin/accounts/{account.Id}/users"));
        Assert.Single(await ListAsync("/admin/accounts"), a => a!["impact_slug"]?.GetValue<string>() == slug);
    }

    // ---------------------------------------------------------------- ledger check

    [Fact]
    public async Task LedgerCheckReportsASoundLedger()
    {
        await app.CreateAccountAsync(creditsUsdCents: 2_500);
        var report = await app.Admin().GetJsonAsync("/admin/ledger/check");
        Assert.Equal(["balance_mismatches", "carbon", "mixed_currency_transactions", "negative_batches", "negative_credit_accounts", "ok", "transactions", "unbalanced_transactions"], report.Keys());
        Assert.True(report["transactions"]!.GetValue<long>() >= 1);
        await app.AssertLedgerSoundAsync();
    }
}

public sealed class OperatorApiTestsOnSqlite(SqliteApp app) : OperatorApiTests(app), IClassFixture<SqliteApp>;

public sealed class OperatorApiTestsOnPostgres(PostgresApp app) : OperatorApiTests(app), IClassFixture<PostgresApp>;
