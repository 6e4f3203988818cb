using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Canopy.Catalog;
using Canopy.Data;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Foundation;

/// <summary>The public catalogue in both dialects: Wren's <c>GET /api/portfolios</c> and CNaught's portfolio, project and category reads.</summary>
public abstract class CatalogueTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] WrenPortfolioKeys = ["cost_per_ton", "description", "id", "image_url", "name", "projects"];

    private static readonly string[] WrenProjectKeys =
        ["certification_status", "certified", "cost_per_ton", "description", "developer", "id", "image_url", "location", "name", "percentage", "registry_url", "type"];

    // The official CNaught SDK's Project type (3.1.0, a superset of 2.8.0's), exactly.
    private static readonly string[] CnaughtProjectKeys = Cnaught.CnaughtKit.ProjectKeys;

    // The SDK's Portfolio (id, name, summary, description, primary_image_url) plus the prices CNaught's API returns.
    private static readonly string[] CnaughtPortfolioKeys =
        ["api_price_per_kg_usd_cents", "checkout_price_per_kg_usd_cents", "description", "id", "name", "primary_image_url", "summary"];

    // The SDK's ProjectCategoryWithProjects (id, name, projects) plus description and image.
    private static readonly string[] CnaughtCategoryKeys = ["description", "id", "name", "primary_image_url", "projects"];

    private async Task<HttpClient> CnaughtAsync() => app.WithBearer((await app.CreateAccountAsync()).LiveToken);

    private async Task<JsonObject> WrenPortfolioAsync(long wrenId)
    {
        var list = await app.Anonymous().GetJsonAsync("/api/portfolios");
        Assert.Equal(["portfolios"], list.Keys());
        return list["portfolios"]!.AsArray().Single(p => p!["id"]!.GetValue<long>() == wrenId)!.AsObject();
    }

    private async Task<JsonObject> CategoryAsync(string? name = null) =>
        await (await app.Admin().PostAsJsonAsync("/admin/project-categories", new { id = TestData.NewId("c"), name = name ?? "Category " + TestData.NewId() }, Ct))
            .ReadJsonAsync(HttpStatusCode.Created);

    private static string Id(JsonNode node) => node["id"]!.GetValue<string>();

    // ---------------------------------------------------------------- Wren

    [Fact]
    public async Task WrenPortfoliosNeedNoAuthAndHaveWrensShape()
    {
        var a = await app.CreateProjectAsync(1_000);
        var b = await app.CreateProjectAsync(3_000, kind: "donation");
        var portfolio = await app.CreatePortfolioAsync((Id(a), 0.75m), (Id(b), 0.25m));

        var response = await app.Anonymous().GetAsync("/api/portfolios", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);

        var wren = await WrenPortfolioAsync(portfolio["wren_id"]!.GetValue<long>());
        Assert.Equal(WrenPortfolioKeys, wren.Keys());
        Assert.Equal(portfolio["name"]!.GetValue<string>(), wren["name"]!.GetValue<string>());
        Assert.Equal(15m, wren["cost_per_ton"]!.GetValue<decimal>()); // 0.75 × $10 + 0.25 × $30
        Assert.Equal("15", wren["cost_per_ton"]!.ToJsonString());
        Assert.Equal("0.75", wren["projects"]![0]!["percentage"]!.ToJsonString());

        var projects = wren["projects"]!.AsArray();
        Assert.Equal(2, projects.Count);
        Assert.All(projects, p => Assert.Equal(WrenProjectKeys, p.Keys()));
        Assert.Equal(a["wren_id"]!.GetValue<long>(), projects[0]!["id"]!.GetValue<long>());
        Assert.Equal(10m, projects[0]!["cost_per_ton"]!.GetValue<decimal>());
        Assert.Equal(0.75m, projects[0]!["percentage"]!.GetValue<decimal>());
        Assert.Equal(30m, projects[1]!["cost_per_ton"]!.GetValue<decimal>());
        Assert.Equal(0.25m, projects[1]!["percentage"]!.GetValue<decimal>());
        Assert.Equal("Biochar", projects[0]!["type"]!.GetValue<string>());
        Assert.True(projects[0]!["certified"]!.GetValue<bool>());
        Assert.Equal("Certified", projects[0]!["certification_status"]!.GetValue<string>());
    }

    [Fact]
    public async Task WrenPercentagesSumToExactlyOneAndCostIsTheWeightedSum()
    {
        var a = await app.CreateProjectAsync(1_000);
        var b = await app.CreateProjectAsync(2_000);
        var c = await app.CreateProjectAsync(3_001);
        var portfolio = await app.CreatePortfolioAsync((Id(a), 0.333333m), (Id(b), 0.333333m), (Id(c), 0.333334m));
        var wren = await WrenPortfolioAsync(portfolio["wren_id"]!.GetValue<long>());
        var projects = wren["projects"]!.AsArray();
        var percentages = projects.Select(p => p!["percentage"]!.GetValue<decimal>()).ToArray();
        Assert.Equal([0.333333m, 0.333333m, 0.333334m], percentages);
        Assert.Equal(1m, percentages.Sum());
        var weighted = projects.Sum(p => p!["percentage"]!.GetValue<decimal>() * p["cost_per_ton"]!.GetValue<decimal>());
        Assert.Equal(decimal.Round(weighted, 2, MidpointRounding.AwayFromZero), wren["cost_per_ton"]!.GetValue<decimal>());
        Assert.Equal(20.00m, wren["cost_per_ton"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task WrenShowsCostPerTreeForTreeProjects()
    {
        // The operator API keeps tree projects out of portfolios; a migrated catalogue can still hold one, and Wren prints it per tree.
        var offset = await app.CreateProjectAsync(1_000);
        var tree = await app.CreateProjectAsync(150, kind: "tree");
        long wrenId;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
            var portfolio = new Portfolio
            {
                PublicId = TestData.NewId("f"),
                Name = "Trees and tonnes",
                CreatedAt = DateTime.UtcNow,
                Allocations =
                [
                    new PortfolioAllocation { ProjectId = offset["wren_id"]!.GetValue<long>(), PartsPerMillion = 600_000, Position = 0 },
                    new PortfolioAllocation { ProjectId = tree["wren_id"]!.GetValue<long>(), PartsPerMillion = 400_000, Position = 1 },
                ],
            };
            db.Portfolios.Add(portfolio);
            await db.SaveChangesAsync(Ct);
            wrenId = portfolio.Id;
        }
        app.Services.GetRequiredService<CatalogCache>().Invalidate();

        var projects = (await WrenPortfolioAsync(wrenId))["projects"]!.AsArray();
        Assert.Equal(10m, projects[0]!["cost_per_ton"]!.GetValue<decimal>());
        Assert.False(projects[0]!.AsObject().ContainsKey("cost_per_tree"));
        Assert.Equal(1.5m, projects[1]!["cost_per_tree"]!.GetValue<decimal>());
        Assert.False(projects[1]!.AsObject().ContainsKey("cost_per_ton"));
    }

    [Fact]
    public async Task OperatorChangesShowInWrenAtOnce()
    {
        var project = await app.CreateProjectAsync(1_000);
        var portfolio = await app.CreatePortfolioAsync((Id(project), 1m));
        var wrenId = portfolio["wren_id"]!.GetValue<long>();
        Assert.Equal(10m, (await WrenPortfolioAsync(wrenId))["cost_per_ton"]!.GetValue<decimal>());

        await (await app.Admin().PatchAsJsonAsync($"/admin/projects/{Id(project)}", new { cost_per_ton_usd_cents = 2_550 }, Ct)).ReadJsonAsync(HttpStatusCode.OK);
        await (await app.Admin().PatchAsJsonAsync($"/admin/portfolios/{Id(portfolio)}", new { name = "Renamed fund", description = "Now described" }, Ct)).ReadJsonAsync(HttpStatusCode.OK);
        var wren = await WrenPortfolioAsync(wrenId);
        Assert.Equal(25.5m, wren["cost_per_ton"]!.GetValue<decimal>());
        Assert.Equal("Renamed fund", wren["name"]!.GetValue<string>());
        Assert.Equal("Now described", wren["description"]!.GetValue<string>());

        await (await app.Admin().PatchAsJsonAsync($"/admin/portfolios/{Id(portfolio)}", new { active = false }, Ct)).ReadJsonAsync(HttpStatusCode.OK);
        var list = await app.Anonymous().GetJsonAsync("/api/portfolios");
        Assert.DoesNotContain(list["portfolios"]!.AsArray(), p => p!["id"]!.GetValue<long>() == wrenId);
    }

    // ---------------------------------------------------------------- CNaught

    [Fact]
    public async Task CnaughtPortfolioListHasTheSdkShape()
    {
        var a = await app.CreateProjectAsync(1_000);
        var b = await app.CreateProjectAsync(2_000);
        var portfolio = await app.CreatePortfolioAsync((Id(a), 0.5m), (Id(b), 0.5m));
        var client = await CnaughtAsync();

        var list = await client.GetJsonAsync("/v1/portfolios");
        Assert.Equal(["data"], list.Keys());
        Assert.All(list["data"]!.AsArray(), p => Assert.Equal(CnaughtPortfolioKeys, p.Keys()));
        var item = list["data"]!.AsArray().Single(p => Id(p!) == Id(portfolio))!;
        Assert.Equal(portfolio["name"]!.GetValue<string>(), item["name"]!.GetValue<string>());
        Assert.Null(item["summary"]);
        Assert.Null(item["primary_image_url"]);
        Assert.Equal(1.5m, item["api_price_per_kg_usd_cents"]!.GetValue<decimal>());
        Assert.Equal(1.5m, item["checkout_price_per_kg_usd_cents"]!.GetValue<decimal>());
        Assert.Equal("1.5", item["api_price_per_kg_usd_cents"]!.ToJsonString()); // exact, no trailing zeros
    }

    [Fact]
    public async Task CnaughtPortfolioGroupsProjectsByCategory()
    {
        var removal = await CategoryAsync("Removal");
        var policy = await CategoryAsync("Policy");
        var a = await app.CreateProjectAsync(1_000, categoryId: Id(removal));
        var b = await app.CreateProjectAsync(2_000, categoryId: Id(removal));
        var c = await app.CreateProjectAsync(4_000, kind: "donation", categoryId: Id(policy));
        var portfolio = await app.CreatePortfolioAsync((Id(a), 0.3m), (Id(b), 0.2m), (Id(c), 0.5m));

        var body = await (await CnaughtAsync()).GetJsonAsync($"/v1/portfolios/{Id(portfolio)}");
        Assert.Equal([.. CnaughtPortfolioKeys.Append("category_allocations").Order(StringComparer.Ordinal)], body.Keys());
        Assert.Equal(2.7m, body["api_price_per_kg_usd_cents"]!.GetValue<decimal>()); // (0.3×1000 + 0.2×2000 + 0.5×4000) / 1000

        var allocations = body["category_allocations"]!.AsArray();
        Assert.Equal(2, allocations.Count);
        Assert.All(allocations, x => Assert.Equal(["allocated_fraction", "category"], x.Keys()));
        Assert.Equal(1m, allocations.Sum(x => x!["allocated_fraction"]!.GetValue<decimal>()));

        var first = allocations[0]!;
        Assert.Equal(0.5m, first["allocated_fraction"]!.GetValue<decimal>());
        Assert.Equal(CnaughtCategoryKeys, first["category"].Keys());
        Assert.Equal(Id(removal), Id(first["category"]!));
        Assert.Equal("Removal", first["category"]!["name"]!.GetValue<string>());
        Assert.Equal([Id(a), Id(b)], first["category"]!["projects"]!.AsArray().Select(p => Id(p!)).ToArray());
        Assert.All(first["category"]!["projects"]!.AsArray(), p => Assert.Equal(CnaughtProjectKeys, p.Keys()));

        var second = allocations[1]!;
        Assert.Equal(0.5m, second["allocated_fraction"]!.GetValue<decimal>());
        Assert.Equal(Id(policy), Id(second["category"]!));
        Assert.Equal([Id(c)], second["category"]!["projects"]!.AsArray().Select(p => Id(p!)).ToArray());
    }

    [Fact]
    public async Task CnaughtPortfolioPutsUncategorisedProjectsTogether()
    {
        var a = await app.CreateProjectAsync(1_000);
        var b = await app.CreateProjectAsync(1_000);
        var portfolio = await app.CreatePortfolioAsync((Id(a), 0.4m), (Id(b), 0.6m));
        var body = await (await CnaughtAsync()).GetJsonAsync($"/v1/portfolios/{Id(portfolio)}");
        var allocation = Assert.Single(body["category_allocations"]!.AsArray())!;
        Assert.Equal(1m, allocation["allocated_fraction"]!.GetValue<decimal>());
        Assert.Equal(CnaughtCategoryKeys, allocation["category"].Keys());
        Assert.Equal(2, allocation["category"]!["projects"]!.AsArray().Count);
    }

    [Fact]
    public async Task CnaughtProjectHasExactlyTheSdkKeysWithNullsNotOmissions()
    {
        var minimal = await (await app.Admin().PostAsJsonAsync("/admin/projects",
            new { id = TestData.NewId("p"), name = "Bare project", kind = "offset", cost_per_ton_usd_cents = 500 }, Ct)).ReadJsonAsync(HttpStatusCode.Created);
        var client = await CnaughtAsync();
        var project = await client.GetJsonAsync($"/v1/projects/{Id(minimal)}");
        Assert.Equal(Cnaught.CnaughtKit.ProjectWithCreditIssuancesKeys, project.Keys());
        Assert.Equal(Id(minimal), Id(project));
        Assert.Equal("Bare project", project["name"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(project["type"]!.GetValue<string>()), "type is required by the SDK.");
        foreach (var key in new[] { "developer", "registry_name", "registry_id", "registry_url", "summary", "description", "location_name", "location_latitude", "location_longitude", "primary_image_url" })
            Assert.Null(project[key]);
        Assert.Equal("[]", project["un_sdg_goals"]!.ToJsonString());

        var full = await (await app.Admin().PostAsJsonAsync("/admin/projects", new
        {
            id = TestData.NewId("p"), name = "Full project", kind = "offset", cost_per_ton_usd_cents = 500, type = "Direct Air Capture", developer = "Climeworks",
            registry_name = "Puro", registry_id = "PUR-1", registry_url = "https://registry.example/1", summary = "S", description = "D",
            location_name = "Iceland", location_latitude = 64.1, location_longitude = -21.9, image_url = "https://img.example/x.png", un_sdg_goals = new[] { 13, 9 },
        }, Ct)).ReadJsonAsync(HttpStatusCode.Created);
        var shown = await client.GetJsonAsync($"/v1/projects/{Id(full)}");
        Assert.Equal(Cnaught.CnaughtKit.ProjectWithCreditIssuancesKeys, shown.Keys());
        Assert.Equal("Direct Air Capture", shown["type"]!.GetValue<string>());
        Assert.Equal("https://img.example/x.png", shown["primary_image_url"]!.GetValue<string>());
        Assert.Equal(64.1, shown["location_latitude"]!.GetValue<double>());
        Assert.Equal("[9,13]", shown["un_sdg_goals"]!.ToJsonString());
    }

    [Fact]
    public async Task CnaughtCategoryListsItsActiveProjects()
    {
        var category = await (await app.Admin().PostAsJsonAsync("/admin/project-categories",
            new { id = TestData.NewId("c"), name = "Soil", description = "Soil carbon", image_url = "https://img.example/soil.png" }, Ct)).ReadJsonAsync(HttpStatusCode.Created);
        var a = await app.CreateProjectAsync(1_000, categoryId: Id(category));
        var b = await app.CreateProjectAsync(1_000, categoryId: Id(category));
        await app.CreateProjectAsync(1_000); // another category's project is not listed
        await (await app.Admin().PatchAsJsonAsync($"/admin/projects/{Id(b)}", new { active = false }, Ct)).ReadJsonAsync(HttpStatusCode.OK);

        var body = await (await CnaughtAsync()).GetJsonAsync($"/v1/project-categories/{Id(category)}");
        Assert.Equal(CnaughtCategoryKeys, body.Keys());
        Assert.Equal("Soil", body["name"]!.GetValue<string>());
        Assert.Equal("Soil carbon", body["description"]!.GetValue<string>());
        Assert.Equal("https://img.example/soil.png", body["primary_image_url"]!.GetValue<string>());
        var projects = body["projects"]!.AsArray();
        Assert.Equal([Id(a)], projects.Select(p => Id(p!)).ToArray());
        Assert.All(projects, p => Assert.Equal(CnaughtProjectKeys, p.Keys()));
    }

    [Theory]
    [InlineData("/v1/portfolios/no-such-portfolio")]
    [InlineData("/v1/projects/no-such-project")]
    [InlineData("/v1/project-categories/no-such-category")]
    public async Task CnaughtUnknownIdIsANotFoundProblem(string url)
    {
        var response = await (await CnaughtAsync()).GetAsync(url, Ct);
        var problem = await response.AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal("https://api.cnaught.com/v1/errors/not-found", problem["type"]!.GetValue<string>());
        Assert.StartsWith("Could not find", problem["title"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CnaughtSeesOperatorChangesAtOnce()
    {
        var client = await CnaughtAsync();
        await client.GetJsonAsync("/v1/portfolios"); // warm the cache
        var project = await app.CreateProjectAsync(1_000);
        var portfolio = await app.CreatePortfolioAsync((Id(project), 1m));
        Assert.Contains((await client.GetJsonAsync("/v1/portfolios"))["data"]!.AsArray(), p => Id(p!) == Id(portfolio));
        Assert.Equal(Id(project), Id(await client.GetJsonAsync($"/v1/projects/{Id(project)}")));

        await (await app.Admin().PatchAsJsonAsync($"/admin/projects/{Id(project)}", new { name = "New name", cost_per_ton_usd_cents = 1_600 }, Ct)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("New name", (await client.GetJsonAsync($"/v1/projects/{Id(project)}"))["name"]!.GetValue<string>());
        Assert.Equal(1.6m, (await client.GetJsonAsync($"/v1/portfolios/{Id(portfolio)}"))["api_price_per_kg_usd_cents"]!.GetValue<decimal>());

        await (await app.Admin().PatchAsJsonAsync($"/admin/portfolios/{Id(portfolio)}", new { active = false }, Ct)).ReadJsonAsync(HttpStatusCode.OK);
        await (await client.GetAsync($"/v1/portfolios/{Id(portfolio)}", Ct)).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.DoesNotContain((await client.GetJsonAsync("/v1/portfolios"))["data"]!.AsArray(), p => Id(p!) == Id(portfolio));
    }
}

public sealed class CatalogueTestsOnSqlite(SqliteApp app) : CatalogueTests(app), IClassFixture<SqliteApp>;

public sealed class CatalogueTestsOnPostgres(PostgresApp app) : CatalogueTests(app), IClassFixture<PostgresApp>;
