using System.Net;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Foundation;

/// <summary>The accounts list pages like the other long operator lists: newest first, limit, starting_after = next_cursor, has_more.</summary>
public abstract class OperatorListPagingTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(string[] Ids, bool HasMore, string? Next)> PageAsync(string url)
    {
        var body = await app.Admin().GetJsonAsync(url);
        return ([.. body["data"]!.AsArray().Select(x => x!["id"]!.ToString())], body["has_more"]!.GetValue<bool>(), body["next_cursor"]?.GetValue<string>());
    }

    [Fact]
    public async Task AccountsPageNewestFirstPastTheOldThousandRowCap()
    {
        var created = new List<string>();
        for (var i = 0; i < 5; i++) created.Add((await app.CreateAccountAsync()).Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        created.Reverse(); // newest first

        var first = await PageAsync("/admin/accounts?limit=2");
        Assert.Equal(created[..2], first.Ids);
        Assert.True(first.HasMore);
        Assert.Equal(first.Ids[^1], first.Next);
        var second = await PageAsync($"/admin/accounts?limit=2&starting_after={first.Next}");
        Assert.Equal(created[2..4], second.Ids);

        // Walking every page reaches every account exactly once.
        var seen = new List<string>();
        string? cursor = null;
        while (true)
        {
            var page = await PageAsync("/admin/accounts?limit=3" + (cursor is null ? "" : "&starting_after=" + cursor));
            seen.AddRange(page.Ids);
            if (!page.HasMore) break;
            cursor = page.Next;
        }
        Assert.Equal(seen.Count, seen.Distinct().Count());
        Assert.Subset(seen.ToHashSet(), created.ToHashSet());
    }

    [Theory]
    [InlineData("/admin/accounts?limit=0")]
    [InlineData("/admin/accounts?limit=201")]
    [InlineData("/admin/accounts?limit=abc")]
    [InlineData("/admin/accounts?starting_after=x")]
    [InlineData("/admin/accounts?starting_after=-1")]
    public async Task BadPageParametersAre400(string url)
    {
        await (await app.Admin().GetAsync(url, Ct)).AssertInvalidAsync("starting_after");
    }
}

public sealed class OperatorListPagingTestsOnSqlite(SqliteApp app) : OperatorListPagingTests(app), IClassFixture<SqliteApp>;

public sealed class OperatorListPagingTestsOnPostgres(PostgresApp app) : OperatorListPagingTests(app), IClassFixture<PostgresApp>;
