using System.Net;
using System.Net.Http.Json;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Wren;

public abstract class WrenPortfolioTests(CanopyApp app)
{
    [Fact]
    public async Task PortfoliosListActivePortfoliosWithBlendedCostAndFractions()
    {
        var a = await app.CreateProjectAsync(1_234);
        var b = await app.CreateProjectAsync(5_678, certified: false);
        var c = await app.CreateProjectAsync(9_999, kind: "donation", certified: false);
        var portfolio = await app.CreatePortfolioAsync((a.PublicId(), 0.333333m), (b.PublicId(), 0.333333m), (c.PublicId(), 0.333334m));
        var retired = await app.CreatePortfolioAsync((a.PublicId(), 1m));
        var response = await app.Admin().PatchAsJsonAsync($"/admin/portfolios/{retired.PublicId()}", new { active = false }, TestContext.Current.CancellationToken);
        await response.ReadJsonAsync(HttpStatusCode.OK);

        var body = await app.Anonymous().GetJsonAsync("/api/portfolios");
        Assert.Equal(["portfolios"], body.Keys());
        var portfolios = body["portfolios"]!.AsArray();
        Assert.DoesNotContain(portfolios, p => p!["id"].Long() == retired.WrenId());
        var listed = portfolios.Single(p => p!["id"].Long() == portfolio.WrenId())!;
        Assert.Equal(["cost_per_ton", "description", "id", "image_url", "name", "projects"], listed.Keys());
        // Σ fraction × price = 5637.004362 cents per tonne → $56.37.
        Assert.Equal(56.37m, listed["cost_per_ton"].Dec());

        var projects = listed["projects"]!.AsArray();
        Assert.Equal([a.WrenId(), b.WrenId(), c.WrenId()], projects.Select(p => p!["id"].Long()));
        Assert.Equal(["certification_status", "certified", "cost_per_ton", "description", "developer", "id", "image_url", "location", "name", "percentage", "registry_url", "type"],
            projects[0].Keys());
        Assert.Equal([0.333333m, 0.333333m, 0.333334m], projects.Select(p => p!["percentage"].Dec()));
        Assert.Equal(1m, projects.Sum(p => p!["percentage"].Dec()));
        Assert.Equal(12.34m, projects[0]!["cost_per_ton"].Dec());
        Assert.True(projects[0]!["certified"]!.GetValue<bool>());
        Assert.False(projects[1]!["certified"]!.GetValue<bool>());
    }
}

public sealed class WrenPortfolioTestsOnSqlite(SqliteApp app) : WrenPortfolioTests(app), IClassFixture<SqliteApp>;

public sealed class WrenPortfolioTestsOnPostgres(PostgresApp app) : WrenPortfolioTests(app), IClassFixture<PostgresApp>;
