using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Cnaught;

public abstract class CnaughtImpactTests(CanopyApp app)
{
    private static readonly string[] ImpactKeys = CnaughtKit.Sorted("name", "logo_url", "total_offset_kgs", "equivalents", "categories", "since_date", "to_date");
    private static readonly string[] EquivalentKeys = CnaughtKit.Sorted("cars_off_the_road", "trees_planted", "homes_annual_energy_usage", "flights_lax_to_nyc");
    private static readonly string[] CategoryUsageKeys = CnaughtKit.Sorted("category", "offset_kgs", "projects");
    private static readonly string[] ProjectUsageKeys = CnaughtKit.Sorted("project", "offset_kgs", "vintages");

    private static string Day(int offset) => DateTime.UtcNow.Date.AddDays(offset).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    [Fact]
    public async Task ImpactSumsPerCategoryAndProjectWithTheSdkShape()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        await c.Live.PlaceOrderAsync(new { amount_kg = 10 });
        await c.Live.PlaceOrderAsync(new { amount_kg = 20 });
        await (await c.Live.SendAsync(HttpMethod.Post, "/v1/orders/ride", new { distance_km = 100 })).ReadJsonAsync(HttpStatusCode.Created); // 24.114 kg, rounded up to 25 kg

        var impact = await c.Live.GetJsonAsync("/v1/impact/data");
        Assert.Equal(ImpactKeys, impact.Keys());
        Assert.Equal(EquivalentKeys, impact["equivalents"].Keys());
        Assert.Equal(55m, impact["total_offset_kgs"]!.GetValue<decimal>());
        Assert.Matches(CnaughtKit.TimestampPattern, impact["since_date"]!.GetValue<string>());
        Assert.Null(impact["to_date"]);
        Assert.Null(impact["logo_url"]);
        Assert.StartsWith("Test Co", impact["name"]!.GetValue<string>(), StringComparison.Ordinal);

        // 25 % to A, 75 % to B, each order split by largest remainder: 2.5 + 5 + 6.25 and 7.5 + 15 + 18.75.
        var categories = impact["categories"]!.AsArray();
        Assert.Equal(2, categories.Count);
        Assert.All(categories, x =>
        {
            Assert.Equal(CategoryUsageKeys, x.Keys());
            Assert.Contains("id", x!["category"].Keys());
            Assert.Contains("name", x["category"].Keys());
            Assert.All(x["projects"]!.AsArray(), p =>
            {
                Assert.Equal(ProjectUsageKeys, p.Keys());
                Assert.Equal(CnaughtKit.ProjectKeys, p!["project"].Keys());
                Assert.Equal(System.Text.Json.JsonValueKind.String, p["vintages"]!.GetValueKind());
            });
        });
        var byCategory = categories.ToDictionary(x => x!["category"]!["id"]!.GetValue<string>());
        Assert.Equal(13.75m, byCategory[c.CategoryA]!["offset_kgs"]!.GetValue<decimal>());
        Assert.Equal(41.25m, byCategory[c.CategoryB]!["offset_kgs"]!.GetValue<decimal>());
        Assert.Equal(c.ProjectA, byCategory[c.CategoryA]!["projects"]![0]!["project"]!["id"]!.GetValue<string>());
        Assert.Equal(13.75m, byCategory[c.CategoryA]!["projects"]![0]!["offset_kgs"]!.GetValue<decimal>());
        Assert.Equal(c.ProjectB, byCategory[c.CategoryB]!["projects"]![0]!["project"]!["id"]!.GetValue<string>());
        // Largest first.
        Assert.Equal(c.CategoryB, categories[0]!["category"]!["id"]!.GetValue<string>());
        Assert.Equal(impact["total_offset_kgs"]!.GetValue<decimal>(), categories.Sum(x => x!["offset_kgs"]!.GetValue<decimal>()));
    }

    [Fact]
    public async Task ImpactWithNoOrdersIsZero()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var impact = await c.Live.GetJsonAsync("/v1/impact/data");
        Assert.Equal(ImpactKeys, impact.Keys());
        Assert.Equal(0m, impact["total_offset_kgs"]!.GetValue<decimal>());
        Assert.Empty(impact["categories"]!.AsArray());
        Assert.All(impact["equivalents"]!.AsObject(), kv => Assert.Equal(0m, kv.Value!.GetValue<decimal>()));
    }

    [Fact]
    public async Task ImpactRespectsFromAndTo()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        await c.Live.PlaceOrderAsync(new { amount_kg = 10 });

        var inside = await c.Live.GetJsonAsync($"/v1/impact/data?from={Day(-1)}&to={Day(1)}");
        Assert.Equal(10m, inside["total_offset_kgs"]!.GetValue<decimal>());
        Assert.Equal(Day(-1) + "T00:00:00.000000Z", inside["since_date"]!.GetValue<string>());
        Assert.Equal(Day(1) + "T00:00:00.000000Z", inside["to_date"]!.GetValue<string>());

        var future = await c.Live.GetJsonAsync($"/v1/impact/data?from={Day(1)}");
        Assert.Equal(0m, future["total_offset_kgs"]!.GetValue<decimal>());
        Assert.Empty(future["categories"]!.AsArray());
        var past = await c.Live.GetJsonAsync($"/v1/impact/data?to={Day(-1)}");
        Assert.Equal(0m, past["total_offset_kgs"]!.GetValue<decimal>());
        var dateTimes = await c.Live.GetJsonAsync($"/v1/impact/data?from={Day(-1)}T12:00:00Z");
        Assert.Equal(10m, dateTimes["total_offset_kgs"]!.GetValue<decimal>());
    }

    [Theory]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2024-13-45", "to")]
    [InlineData("from=2024-02-01&to=2024-01-01", "to")]
    [InlineData("from=2024-01-01&to=2024-01-01", "to")]
    public async Task BadImpactDatesAreInvalidParameters(string query, string field)
    {
        var c = await app.CreateCnaughtCustomerAsync();
        await (await c.Live.SendAsync(HttpMethod.Get, "/v1/impact/data?" + query)).AssertInvalidAsync(field);
    }

    [Fact]
    public async Task ImpactOfASubaccountCountsOnlyItsOrders()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var sub = await c.Live.PostJsonAsync("/v1/subaccounts", new { name = "Branch" }, HttpStatusCode.Created);
        var subId = sub["id"]!.GetValue<string>();
        await c.Live.PostJsonAsync($"/v1/subaccounts/{subId}/logo", new { logo_url = "https://example.com/branch.png" }, HttpStatusCode.OK);
        await c.Live.PlaceOrderAsync(new { amount_kg = 4 }, subId);
        await c.Live.PlaceOrderAsync(new { amount_kg = 6 });

        var subImpact = await c.Live.GetJsonForAsync("/v1/impact/data", subId);
        Assert.Equal(4m, subImpact["total_offset_kgs"]!.GetValue<decimal>());
        Assert.Equal("Branch", subImpact["name"]!.GetValue<string>());
        Assert.Equal("https://example.com/branch.png", subImpact["logo_url"]!.GetValue<string>());
        Assert.Equal(10m, (await c.Live.GetJsonAsync("/v1/impact/data"))["total_offset_kgs"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task SandboxImpactIsSeparate()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        await c.Test.PlaceOrderAsync(new { amount_kg = 3 });
        await c.Live.PlaceOrderAsync(new { amount_kg = 5 });
        Assert.Equal(5m, (await c.Live.GetJsonAsync("/v1/impact/data"))["total_offset_kgs"]!.GetValue<decimal>());
        Assert.Equal(3m, (await c.Test.GetJsonAsync("/v1/impact/data"))["total_offset_kgs"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task HostedPageConfigHasTheSdkShape()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var config = await c.Live.GetJsonAsync("/v1/impact/hosted-page-config");
        Assert.Equal(CnaughtKit.Sorted("enabled", "url", "enabled_equivalents"), config.Keys());
        // On by default, at a generated slug, with every equivalent.
        var account = await app.Admin().GetJsonAsync($"/admin/accounts/{c.Account.Id}");
        Assert.True(config["enabled"]!.GetValue<bool>());
        Assert.True(Uri.IsWellFormedUriString(config["url"]!.GetValue<string>(), UriKind.Absolute));
        Assert.EndsWith($"/impact/{account["impact_slug"]!.GetValue<string>()}", config["url"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(EquivalentKeys, config["enabled_equivalents"]!.AsArray().Select(e => e!.GetValue<string>()).Order(StringComparer.Ordinal));

        var slug = "impact-" + TestData.NewId().ToLowerInvariant();
        await app.Admin().PatchJsonAsync($"/admin/accounts/{c.Account.Id}",
            new { impact_slug = slug, hosted_impact_page_enabled = false, hosted_impact_page_equivalents = new[] { "trees_planted", "cars_off_the_road" } });
        var disabled = await c.Live.GetJsonAsync("/v1/impact/hosted-page-config");
        Assert.False(disabled["enabled"]!.GetValue<bool>());
        Assert.EndsWith($"/impact/{slug}", disabled["url"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["cars_off_the_road", "trees_planted"], disabled["enabled_equivalents"]!.AsArray().Select(e => e!.GetValue<string>()));

        await app.Admin().PatchJsonAsync($"/admin/accounts/{c.Account.Id}", new { hosted_impact_page_enabled = true });
        Assert.True((await c.Live.GetJsonAsync("/v1/impact/hosted-page-config"))["enabled"]!.GetValue<bool>());
        var sub = (await c.Live.PostJsonAsync("/v1/subaccounts", new { name = "Branch" }, HttpStatusCode.Created))["id"]!.GetValue<string>();
        var forSub = await c.Live.GetJsonForAsync("/v1/impact/hosted-page-config", sub);
        Assert.EndsWith($"/impact/{slug}/{sub}", forSub["url"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CatalogueReadsHaveTheSdkShapes()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var list = await c.Live.GetJsonAsync("/v1/portfolios");
        Assert.Equal(["data"], list.Keys());
        var mine = list["data"]!.AsArray().Single(p => p!["id"]!.GetValue<string>() == c.PortfolioId)!;
        foreach (var key in new[] { "id", "name", "summary", "description", "primary_image_url" }) Assert.Contains(key, mine.Keys());
        Assert.Equal(2.5m, mine["api_price_per_kg_usd_cents"]!.GetValue<decimal>());

        var portfolio = await c.Live.GetJsonAsync($"/v1/portfolios/{c.PortfolioId}");
        Assert.Contains("category_allocations", portfolio.Keys());
        var allocations = portfolio["category_allocations"]!.AsArray();
        Assert.Equal(1m, allocations.Sum(a => a!["allocated_fraction"]!.GetValue<decimal>()));
        Assert.All(allocations, a => Assert.All(a!["category"]!["projects"]!.AsArray(), p => Assert.Equal(CnaughtKit.ProjectKeys, p.Keys())));

        var project = await c.Live.GetJsonAsync($"/v1/projects/{c.ProjectA}");
        Assert.Equal(CnaughtKit.ProjectWithCreditIssuancesKeys, project.Keys());
        Assert.Equal(JsonValueKindArray, project["un_sdg_goals"]!.GetValueKind());
        var category = await c.Live.GetJsonAsync($"/v1/project-categories/{c.CategoryA}");
        Assert.Equal(c.ProjectA, category["projects"]![0]!["id"]!.GetValue<string>());

        await (await c.Live.SendAsync(HttpMethod.Get, "/v1/portfolios/nope")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await c.Live.SendAsync(HttpMethod.Get, "/v1/projects/nope")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await c.Live.SendAsync(HttpMethod.Get, "/v1/project-categories/nope")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
    }

    private const System.Text.Json.JsonValueKind JsonValueKindArray = System.Text.Json.JsonValueKind.Array;
}

public sealed class CnaughtImpactTestsOnSqlite(SqliteApp app) : CnaughtImpactTests(app), IClassFixture<SqliteApp>;

public sealed class CnaughtImpactTestsOnPostgres(PostgresApp app) : CnaughtImpactTests(app), IClassFixture<PostgresApp>;
