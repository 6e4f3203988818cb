using System.Net;
using System.Text.Json.Nodes;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Foundation;

/// <summary>The operator's lists page with cursors as the CNaught lists do: newest first, limit, starting_after / ending_before, has_more.</summary>
public abstract class OperatorListPagingTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(string[] Ids, bool HasMore)> PageAsync(string url)
    {
        var body = await app.Admin().GetJsonAsync(url);
        return ([.. body["data"]!.AsArray().Select(x => x!["id"]!.ToString())], body["has_more"]!.GetValue<bool>());
    }

    [Fact]
    public async Task AccountsPageNewestFirstWithCursorsBothWays()
    {
        var created = new List<string>();
        for (var i = 0; i < 5; i++) created.Add((await app.CreateAccountAsync()).Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        created.Reverse(); // newest first

        var first = await PageAsync("/admin/accounts?limit=2");
        Assert.Equal(created[..2], first.Ids);
        Assert.True(first.HasMore);
        var second = await PageAsync($"/admin/accounts?limit=2&starting_after={first.Ids[^1]}");
        Assert.Equal(created[2..4], second.Ids);
        var back = await PageAsync($"/admin/accounts?limit=2&ending_before={second.Ids[0]}");
        Assert.Equal(created[..2], back.Ids);
        Assert.False((await PageAsync($"/admin/accounts?limit=2&ending_before={created[0]}")).HasMore);
        Assert.Empty((await PageAsync($"/admin/accounts?limit=2&ending_before={created[0]}")).Ids);

        // Walking every page reaches every account exactly once.
        var seen = new List<string>();
        string? cursor = null;
        while (true)
        {
            var page = await PageAsync("/admin/accounts?limit=3" + (cursor is null ? "" : "&starting_after=" + cursor));
            seen.AddRange(page.Ids);
            if (!page.HasMore) break;
            cursor = page.Ids[^1];
        }
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Subset(seen.ToHashSet(), created.ToHashSet());
    }

    [Fact]
    public async Task InventoryProjectsAndPortfoliosPageToo()
    {
        var project = await app.CreateProjectAsync();
        var projectId = project["id"]!.GetValue<string>();
        var batches = new List<string>();
        for (var i = 0; i < 3; i++)
            batches.Add((await app.Admin().PostJsonAsync("/admin/inventory", new { project_id = projectId, vintage = 2020 + i, amount_kg = 10 }, HttpStatusCode.Created))["id"]!.ToString());
        batches.Reverse();
        var first = await PageAsync($"/admin/inventory?project_id={projectId}&limit=2");
        Assert.Equal(batches[..2], first.Ids);
        Assert.True(first.HasMore);
        var rest = await PageAsync($"/admin/inventory?project_id={projectId}&limit=2&starting_after={first.Ids[^1]}");
        Assert.Equal(batches[2..], rest.Ids);
        Assert.False(rest.HasMore);

        var other = await app.CreateProjectAsync();
        var projects = await PageAsync("/admin/projects?limit=1");
        Assert.Equal([other["id"]!.GetValue<string>()], projects.Ids);
        Assert.Equal([projectId], (await PageAsync($"/admin/projects?limit=1&starting_after={projects.Ids[0]}")).Ids);

        var older = await app.CreatePortfolioAsync((projectId, 1m));
        var newer = await app.CreatePortfolioAsync((projectId, 1m));
        var portfolios = await PageAsync("/admin/portfolios?limit=1");
        Assert.Equal([newer["id"]!.GetValue<string>()], portfolios.Ids);
        Assert.Equal([older["id"]!.GetValue<string>()], (await PageAsync($"/admin/portfolios?limit=1&starting_after={portfolios.Ids[0]}")).Ids);
    }

    [Theory]
    [InlineData("/admin/accounts?limit=0", "limit")]
    [InlineData("/admin/accounts?limit=1001", "limit")]
    [InlineData("/admin/accounts?limit=abc", "limit")]
    [InlineData("/admin/accounts?starting_after=x", "starting_after")]
    [InlineData("/admin/accounts?starting_after=1&ending_before=2", "starting_after")]
    [InlineData("/admin/projects?starting_after=no-such-project", "starting_after")]
    [InlineData("/admin/portfolios?ending_before=no-such-portfolio", "ending_before")]
    [InlineData("/admin/inventory?starting_after=-1", "starting_after")]
    public async Task BadPageParametersAre400NamingTheField(string url, string field)
    {
        await (await app.Admin().GetAsync(url, Ct)).AssertInvalidAsync(field);
    }
}

public sealed class OperatorListPagingTestsOnSqlite(SqliteApp app) : OperatorListPagingTests(app), IClassFixture<SqliteApp>;

public sealed class OperatorListPagingTestsOnPostgres(PostgresApp app) : OperatorListPagingTests(app), IClassFixture<PostgresApp>;
