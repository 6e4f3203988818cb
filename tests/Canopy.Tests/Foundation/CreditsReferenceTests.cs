using System.Net;
using System.Net.Http.Json;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Foundation;

public abstract class CreditsReferenceTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ATopUpWithAReferencePostsOnceEvenWhenRetried()
    {
        var account = await app.CreateAccountAsync();
        var admin = app.Admin();
        var url = $"/admin/accounts/{account.Id}/credits";
        var first = await admin.PostJsonAsync(url, new { amount_usd_cents = 5_000, reference = "wire-2026-001" }, HttpStatusCode.OK);
        Assert.Equal(5_000, first["balance_usd_cents"]!.GetValue<long>());

        var again = await admin.PostAsJsonAsync(url, new { amount_usd_cents = 5_000, reference = "wire-2026-001" }, Ct);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        // A different reference, or none, is a new top-up; the same reference on another account is that account's.
        await admin.PostJsonAsync(url, new { amount_usd_cents = 1_000, reference = "wire-2026-002" }, HttpStatusCode.OK);
        var other = await app.CreateAccountAsync();
        await admin.PostJsonAsync($"/admin/accounts/{other.Id}/credits", new { amount_usd_cents = 7, reference = "wire-2026-001" }, HttpStatusCode.OK);

        var balance = await admin.GetJsonAsync(url);
        Assert.Equal(6_000, balance["balance_usd_cents"]!.GetValue<long>());
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task ConcurrentRetriesOfOneReferencePostOnce()
    {
        var account = await app.CreateAccountAsync();
        var url = $"/admin/accounts/{account.Id}/credits";
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            app.Admin().PostAsJsonAsync(url, new { amount_usd_cents = 2_500, reference = "wire-race" }, Ct)));
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, $"got {(int)r.StatusCode}"));
        Assert.Equal(2_500, (await app.Admin().GetJsonAsync(url))["balance_usd_cents"]!.GetValue<long>());
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task ListedAccountsShowTheirBalanceAndDefaultPortfolio()
    {
        var project = (await app.CreateProjectAsync())["id"]!.GetValue<string>();
        var portfolio = (await app.CreatePortfolioAsync((project, 1m)))["id"]!.GetValue<string>();
        var account = await app.CreateAccountAsync(creditsUsdCents: 1_234);
        await app.Admin().PatchJsonAsync($"/admin/accounts/{account.Id}", new { default_portfolio_id = portfolio });
        var other = await app.CreateAccountAsync();

        var list = (await app.Admin().GetJsonAsync("/admin/accounts"))["data"]!.AsArray();
        var listed = list.Single(a => a!["id"]!.GetValue<long>() == account.Id)!;
        Assert.Equal(1_234, listed["credits_balance_usd_cents"]!.GetValue<long>());
        Assert.Equal(portfolio, listed["default_portfolio_id"]!.GetValue<string>());
        var plain = list.Single(a => a!["id"]!.GetValue<long>() == other.Id)!;
        Assert.Equal(0, plain["credits_balance_usd_cents"]!.GetValue<long>());
        Assert.Null(plain["default_portfolio_id"]);
        Assert.Equal((await app.Admin().GetJsonAsync($"/admin/accounts/{account.Id}")).ToJsonString(), listed.ToJsonString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("ümlaut")]
    public async Task ABadReferenceIsRefused(string reference)
    {
        var account = await app.CreateAccountAsync();
        var response = await app.Admin().PostAsJsonAsync($"/admin/accounts/{account.Id}/credits", new { amount_usd_cents = 100, reference }, Ct);
        var problem = await response.ReadJsonAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["reference"]);
        Assert.Equal(0, (await app.Admin().GetJsonAsync($"/admin/accounts/{account.Id}/credits"))["balance_usd_cents"]!.GetValue<long>());
    }
}

public sealed class CreditsReferenceTestsOnSqlite(SqliteApp app) : CreditsReferenceTests(app), IClassFixture<SqliteApp>;

public sealed class CreditsReferenceTestsOnPostgres(PostgresApp app) : CreditsReferenceTests(app), IClassFixture<PostgresApp>;
