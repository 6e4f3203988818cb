using System.Net;
using System.Net.Http.Json;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Foundation;

public abstract class DefaultPortfolioTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ConcurrentDefaultPortfoliosLeaveExactlyOneDefault()
    {
        var project = (await app.CreateProjectAsync())["id"]!.GetValue<string>();
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => app.Admin().PostAsJsonAsync("/admin/portfolios", new
        {
            id = TestData.NewId("d"),
            name = $"Default {i}",
            is_default = true,
            allocations = new[] { new { project_id = project, fraction = 1m } },
        }, Ct)));
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, $"got {(int)r.StatusCode}"));
        Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.Created);

        var portfolios = await app.Admin().ListAllAsync("/admin/portfolios");
        Assert.Single(portfolios, p => p!["is_default"]!.GetValue<bool>());
    }
}

public sealed class DefaultPortfolioTestsOnSqlite(SqliteApp app) : DefaultPortfolioTests(app), IClassFixture<SqliteApp>;

public sealed class DefaultPortfolioTestsOnPostgres(PostgresApp app) : DefaultPortfolioTests(app), IClassFixture<PostgresApp>;
