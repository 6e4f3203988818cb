using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
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
    [InlineData("/admin/accounts?limit=101")]
    [InlineData("/admin/accounts?limit=abc")]
    [InlineData("/admin/accounts?starting_after=x")]
    [InlineData("/admin/accounts?starting_after=-1")]
    public async Task BadPageParametersAre400(string url)
    {
        await (await app.Admin().GetAsync(url, Ct)).AssertInvalidAsync(url.Contains("limit=", StringComparison.Ordinal) ? "limit" : "starting_after");
    }

    /// <summary>A bad limit is reported on 'limit' (it was reported on 'starting_after'), alone, with the range the lists take.</summary>
    [Theory]
    [InlineData("/admin/accounts?limit=0")]
    [InlineData("/admin/accounts?limit=101")]
    [InlineData("/admin/orders?limit=2147483648")]
    [InlineData("/admin/outbox?limit=1.5")]
    [InlineData("/admin/project-categories?limit=-1&starting_after=zzz")]
    [InlineData("/admin/billing/runs?limit=abc")]
    public async Task ABadLimitIsReportedOnLimit(string url)
    {
        var body = await (await app.Admin().GetAsync(url, Ct)).AssertInvalidAsync("limit");
        Assert.Equal(["limit"], body["errors"].Keys());
        Assert.Contains("from 1 to 100", body["errors"]!["limit"]![0]!.GetValue<string>(), StringComparison.Ordinal);
    }

    /// <summary>
    /// Walks a list two at a time: every row once, in the list's order, each page's cursor its last row's key, and the
    /// last page says so (has_more false, no cursor).
    /// </summary>
    private async Task<List<string>> WalkAsync(string url, Func<JsonNode, string> cursorOf)
    {
        var separator = url.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        var seen = new List<string>();
        string? cursor = null;
        for (var pages = 0; ; pages++)
        {
            Assert.True(pages < 1000, "The walk does not end.");
            var body = await app.Admin().GetJsonAsync($"{url}{separator}limit=2" + (cursor is null ? "" : "&starting_after=" + Uri.EscapeDataString(cursor)));
            var items = body["data"]!.AsArray().Select(x => x!).ToList();
            Assert.True(items.Count <= 2);
            seen.AddRange(items.Select(cursorOf));
            if (!body["has_more"]!.GetValue<bool>())
            {
                Assert.Null(body["next_cursor"]);
                break;
            }
            Assert.Equal(2, items.Count);
            cursor = body["next_cursor"]!.GetValue<string>();
            Assert.Equal(cursorOf(items[^1]), cursor);
        }
        Assert.Equal(seen.Count, seen.Distinct().Count());
        return seen;
    }

    private static string Str(JsonNode n, string name) => n[name]!.ToString();

    [Fact]
    public async Task ProjectsAndPortfoliosPageNewestFirstOnTheirWrenId()
    {
        var projects = new List<string>();
        var portfolios = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var project = await app.CreateProjectAsync();
            projects.Add(Str(project, "wren_id"));
            portfolios.Add(Str(await app.CreatePortfolioAsync((Str(project, "id"), 1m)), "wren_id"));
        }

        var walked = await WalkAsync("/admin/projects", p => Str(p, "wren_id"));
        Assert.Equal(walked.OrderByDescending(long.Parse), walked); // newest first
        Assert.Subset(walked.ToHashSet(), projects.ToHashSet());
        Assert.Equal(Enumerable.Reverse(projects), walked.Where(projects.Contains));

        var walkedPortfolios = await WalkAsync("/admin/portfolios", p => Str(p, "wren_id"));
        Assert.Equal(walkedPortfolios.OrderByDescending(long.Parse), walkedPortfolios);
        Assert.Equal(Enumerable.Reverse(portfolios), walkedPortfolios.Where(portfolios.Contains));
    }

    [Fact]
    public async Task CategoriesPageInIdOrder()
    {
        var created = new List<string>();
        for (var i = 0; i < 5; i++)
            created.Add((await app.Admin().PostJsonAsync("/admin/project-categories", new { id = TestData.NewId("pc"), name = $"Category {i}" }, HttpStatusCode.Created))["id"]!.ToString());
        var walked = await WalkAsync("/admin/project-categories", c => Str(c, "id"));
        Assert.Subset(walked.ToHashSet(), created.ToHashSet());
        // Lower-case letters and digits only: every database sorts them the same way.
        Assert.Equal(created.Order(StringComparer.Ordinal), walked.Where(created.Contains));
    }

    [Fact]
    public async Task AnAccountsUsersAndTokensPageNewestFirstAndOnlyItsOwn()
    {
        var account = await app.CreateAccountAsync();
        var other = await app.CreateAccountAsync();
        await app.Admin().PostJsonAsync($"/admin/accounts/{other.Id}/users", new { email = "someone@other.example" }, HttpStatusCode.Created);
        var users = new List<string>();
        var tokens = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            users.Add((await app.Admin().PostJsonAsync($"/admin/accounts/{account.Id}/users", new { email = $"user{i}@paging.example" }, HttpStatusCode.Created))["id"]!.ToString());
            tokens.Add((await app.Admin().PostJsonAsync($"/admin/accounts/{account.Id}/tokens", new { mode = "live", name = $"token {i}" }, HttpStatusCode.Created))["id"]!.ToString());
        }
        Assert.Equal(Enumerable.Reverse(users), await WalkAsync($"/admin/accounts/{account.Id}/users", u => Str(u, "id")));
        var walkedTokens = await WalkAsync($"/admin/accounts/{account.Id}/tokens", t => Str(t, "id"));
        Assert.Equal(7, walkedTokens.Count); // the two the account was made with, and five more
        Assert.Equal(Enumerable.Reverse(tokens), walkedTokens.Take(5));
        Assert.Equal(walkedTokens.OrderByDescending(long.Parse), walkedTokens);
    }

    [Fact]
    public async Task FxRatesBillingRunsAndVintagesPageOnTheirKeys()
    {
        string[] currencies = ["CHF", "EUR", "GBP", "JPY", "SEK"];
        foreach (var c in currencies)
            await (await app.Admin().PutAsJsonAsync($"/admin/fx-rates/{c}", new { units_per_usd = 1.5m }, Ct)).ReadJsonAsync(HttpStatusCode.OK);
        var rates = await WalkAsync("/admin/fx-rates", r => Str(r, "currency"));
        Assert.Equal(rates.Order(StringComparer.Ordinal), rates);
        Assert.Subset(rates.ToHashSet(), currencies.ToHashSet());

        string[] months = ["2000-01", "2000-02", "2000-03", "2000-04", "2000-05"];
        foreach (var m in months) await app.Admin().PostJsonAsync("/admin/billing/runs", new { period = m }, HttpStatusCode.Created);
        var runs = await WalkAsync("/admin/billing/runs", r => Str(r, "period"));
        Assert.Equal(runs.OrderDescending(StringComparer.Ordinal), runs);
        Assert.Equal(months.Reverse(), runs.Where(months.Contains));

        var project = (await app.CreateProjectAsync())["id"]!.ToString();
        foreach (var vintage in new[] { 2024, 2020, 2022, 2021, 2023, 2022 })
            await app.Admin().PostJsonAsync("/admin/inventory", new { project_id = project, vintage, amount_kg = 10 }, HttpStatusCode.Created);
        var vintages = await WalkAsync($"/admin/inventory/vintages?project_id={project}", v => $"{Str(v, "project_id")}:{Str(v, "vintage")}");
        Assert.Equal(["2020", "2021", "2022", "2023", "2024"], vintages.Select(v => v.Split(':')[1]));
        var all = await WalkAsync("/admin/inventory/vintages", v => $"{Str(v, "project_id")}:{Str(v, "vintage")}");
        Assert.Subset(all.ToHashSet(), vintages.ToHashSet());
    }

    [Theory]
    [InlineData("/admin/projects?starting_after=BIOCHR")]
    [InlineData("/admin/projects?limit=101")]
    [InlineData("/admin/portfolios?starting_after=-1")]
    [InlineData("/admin/portfolios?starting_after=99999999999999999999999")]
    [InlineData("/admin/project-categories?starting_after=a%00b")]
    [InlineData("/admin/project-categories?starting_after=a%0A")]
    [InlineData("/admin/project-categories?limit=0")]
    [InlineData("/admin/accounts/1/users?starting_after=x")]
    [InlineData("/admin/accounts/1/tokens?limit=-5")]
    [InlineData("/admin/fx-rates?starting_after=eur")]
    [InlineData("/admin/fx-rates?starting_after=EU%00")]
    [InlineData("/admin/billing/runs?starting_after=2024-13")]
    [InlineData("/admin/billing/runs?starting_after=2024-1")]
    [InlineData("/admin/inventory/vintages?starting_after=BIOCHR")]
    [InlineData("/admin/inventory/vintages?starting_after=BIOCHR:20x4")]
    [InlineData("/admin/inventory/vintages?starting_after=:2024")]
    [InlineData("/admin/invoices?limit=1000")]
    [InlineData("/admin/payouts?starting_after=%00")]
    public async Task BadPageParametersOfEveryListAre400(string url)
    {
        await (await app.Admin().GetAsync(url, Ct)).AssertInvalidAsync(url.Contains("limit=", StringComparison.Ordinal) ? "limit" : "starting_after");
    }

    [Fact]
    public async Task TheOpenApiDocumentDeclaresEveryListsPageParametersAndIntegerFilters()
    {
        var paths = (await app.Anonymous().GetJsonAsync("/openapi/v1.json"))["paths"]!;
        string[] lists =
        [
            "/admin/accounts", "/admin/accounts/{id}/users", "/admin/accounts/{id}/tokens", "/admin/project-categories", "/admin/projects",
            "/admin/portfolios", "/admin/fx-rates", "/admin/inventory", "/admin/inventory/vintages", "/admin/orders", "/admin/outbox",
            "/admin/invoices", "/admin/payouts", "/admin/billing/runs",
        ];
        foreach (var list in lists)
        {
            var parameters = paths[list]!["get"]!["parameters"]!.AsArray().ToDictionary(p => p!["name"]!.GetValue<string>(), p => p!);
            Assert.True(parameters.ContainsKey("limit") && parameters.ContainsKey("starting_after"), list);
            Assert.Equal("integer", parameters["limit"]["schema"]!["type"]!.ToString());
        }
        foreach (var (list, filter) in new[] { ("/admin/orders", "account_id"), ("/admin/outbox", "account_id"), ("/admin/invoices", "account_id"), ("/admin/inventory", "vintage") })
        {
            var parameter = paths[list]!["get"]!["parameters"]!.AsArray().Single(p => p!["name"]!.GetValue<string>() == filter)!;
            Assert.Equal("integer", parameter["schema"]!["type"]!.ToString());
        }
    }

    /// <summary>The vintage filter is an int32 year, declared and parsed alike: beyond int32 or its range, 400 saying so.</summary>
    [Theory]
    [InlineData("2147483648")]
    [InlineData("99999999999")]
    [InlineData("1989")]
    [InlineData("2101")]
    [InlineData("-2024")]
    public async Task TheVintageFilterIsAYearDeclaredAsItIsParsed(string vintage)
    {
        var problem = await (await app.Admin().GetAsync($"/admin/inventory?vintage={vintage}", Ct)).AssertInvalidAsync("vintage");
        Assert.Equal("'vintage' must be a year from 1990 to 2100.", problem["errors"]!["vintage"]![0]!.GetValue<string>());
        await app.Admin().GetJsonAsync("/admin/inventory?vintage=2100");
        var parameter = (await app.Anonymous().GetJsonAsync("/openapi/v1.json"))["paths"]!["/admin/inventory"]!["get"]!["parameters"]!.AsArray()
            .Single(p => p!["name"]!.GetValue<string>() == "vintage")!["schema"]!;
        Assert.Equal("int32", parameter["format"]!.GetValue<string>());
        Assert.Equal(1990, parameter["minimum"]!.GetValue<int>());
        Assert.Equal(2100, parameter["maximum"]!.GetValue<int>());
    }

    /// <summary>An integer filter that is not one names its field (it was the framework's bare "Bad Request").</summary>
    [Theory]
    [InlineData("/admin/orders?account_id=abc", "account_id")]
    [InlineData("/admin/orders?account_id=99999999999999999999", "account_id")]
    [InlineData("/admin/outbox?account_id=1.5", "account_id")]
    [InlineData("/admin/invoices?account_id=%20", "account_id")]
    [InlineData("/admin/inventory?vintage=2024x", "vintage")]
    [InlineData("/admin/inventory?vintage=99999999999", "vintage")]
    public async Task ANonIntegerFilterIs400NamingIt(string url, string field)
    {
        await (await app.Admin().GetAsync(url, Ct)).AssertInvalidAsync(field);
    }

    /// <summary>A period filter that is no month names its field (it answered an empty list).</summary>
    [Theory]
    [InlineData("/admin/invoices?period=2024-1")]
    [InlineData("/admin/invoices?period=x")]
    [InlineData("/admin/payouts?period=2024-13")]
    [InlineData("/admin/payouts?period=2024-01-01")]
    public async Task APeriodFilterThatIsNoMonthIs400(string url)
    {
        await (await app.Admin().GetAsync(url, Ct)).AssertInvalidAsync("period");
        Assert.Equal(HttpStatusCode.OK, (await app.Admin().GetAsync(url[..url.IndexOf('?')] + "?period=2024-01", Ct)).StatusCode);
    }
}

public sealed class OperatorListPagingTestsOnSqlite(SqliteApp app) : OperatorListPagingTests(app), IClassFixture<SqliteApp>;

public sealed class OperatorListPagingTestsOnPostgres(PostgresApp app) : OperatorListPagingTests(app), IClassFixture<PostgresApp>;
