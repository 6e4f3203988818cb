using System.Net;
using Canopy.Data;
using Canopy.Ledger;
using Canopy.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Tests.Foundation;

/// <summary>The ledger's guarantees (DESIGN §4), through the service an order uses, checked by <c>GET /admin/ledger/check</c>.</summary>
public abstract class LedgerTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>An account with <paramref name="credits"/> cents topped up through the operator API, and a project payable to spend into.</summary>
    private async Task<(long AccountId, long Credits, long Payable)> FundedAccountAsync(long credits)
    {
        var account = await app.CreateAccountAsync(creditsUsdCents: credits);
        var project = await app.CreateProjectAsync();
        var ledgerAccounts = app.Services.GetRequiredService<LedgerAccounts>();
        var creditsId = await ledgerAccounts.EnsureAsync(LedgerAccountKind.CustomerCredits, "USD", account.Id, Ct);
        var payable = await ledgerAccounts.EnsureAsync(LedgerAccountKind.ProjectPayable, "USD", project["wren_id"]!.GetValue<long>(), Ct);
        return (account.Id, creditsId, payable);
    }

    /// <summary>Posts in its own scope and database transaction, committing only what was posted.</summary>
    private async Task<PostResult> PostAsync(string key, long accountId, IReadOnlyList<Leg> legs, Task? start = null)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        var ledger = scope.ServiceProvider.GetRequiredService<LedgerService>();
        if (start is not null) await start;
        await using var tx = await db.Database.BeginTransactionAsync(Ct);
        var result = await ledger.PostAsync(key, "order_payment", "USD", accountId, null, legs, Ct);
        if (result != PostResult.Posted) return result; // disposing the transaction rolls back
        await db.SaveChangesAsync(Ct);
        await tx.CommitAsync(Ct);
        return result;
    }

    private async Task<long> BalanceAsync(long accountId) =>
        (await app.Admin().GetJsonAsync($"/admin/accounts/{accountId}/credits"))["balance_usd_cents"]!.GetValue<long>();

    private async Task<int> TransactionsWithKeyPrefixAsync(string prefix)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        return await db.LedgerTransactions.CountAsync(t => t.Key.StartsWith(prefix), Ct);
    }

    [Fact]
    public async Task ConcurrentSpendsNeverOverdrawCredits()
    {
        var (accountId, credits, payable) = await FundedAccountAsync(1_000);
        var run = TestData.NewId("spend");
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Leg[] legs = [new(credits, -100), new(payable, 100)];

        var tasks = Enumerable.Range(0, 30).Select(i => Task.Run(() => PostAsync($"{run}:{i}", accountId, legs, start.Task), Ct)).ToArray();
        start.SetResult();
        var results = await Task.WhenAll(tasks);

        Assert.Equal(10, results.Count(r => r == PostResult.Posted));
        Assert.Equal(20, results.Count(r => r == PostResult.InsufficientCredits));
        Assert.Equal(0, await BalanceAsync(accountId));
        Assert.Equal(10, await TransactionsWithKeyPrefixAsync(run + ":"));
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task ASpendLargerThanTheBalanceChangesNothing()
    {
        var (accountId, credits, payable) = await FundedAccountAsync(500);
        var key = TestData.NewId("big");
        Assert.Equal(PostResult.InsufficientCredits, await PostAsync(key, accountId, [new(credits, -501), new(payable, 501)]));
        Assert.Equal(500, await BalanceAsync(accountId));
        Assert.Equal(0, await TransactionsWithKeyPrefixAsync(key));
        Assert.Equal(PostResult.Posted, await PostAsync(key, accountId, [new(credits, -500), new(payable, 500)]));
        Assert.Equal(0, await BalanceAsync(accountId));
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task AnUnbalancedPostingThrowsAndWritesNothing()
    {
        var (accountId, credits, payable) = await FundedAccountAsync(1_000);
        var key = TestData.NewId("unbalanced");
        await Assert.ThrowsAsync<InvalidOperationException>(() => PostAsync(key, accountId, [new(credits, -100), new(payable, 99)]));
        await Assert.ThrowsAsync<ArgumentException>(() => PostAsync(key, accountId, [new(credits, -100)]));
        await Assert.ThrowsAsync<OverflowException>(() => PostAsync(key, accountId, [new(payable, long.MaxValue), new(payable, long.MaxValue), new(credits, 2)]));
        Assert.Equal(1_000, await BalanceAsync(accountId));
        Assert.Equal(0, await TransactionsWithKeyPrefixAsync(key));
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task ATransactionMixingCurrenciesThrowsAndWritesNothing()
    {
        var (accountId, credits, _) = await FundedAccountAsync(1_000);
        var euros = await app.Services.GetRequiredService<LedgerAccounts>().EnsureAsync(LedgerAccountKind.PlatformRevenue, "EUR", null, Ct);
        var key = TestData.NewId("mixed");
        await Assert.ThrowsAsync<InvalidOperationException>(() => PostAsync(key, accountId, [new(credits, -100), new(euros, 100)]));
        Assert.Equal(1_000, await BalanceAsync(accountId));
        Assert.Equal(0, await TransactionsWithKeyPrefixAsync(key));
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task ATransactionKeyPostsAtMostOnce()
    {
        var (accountId, credits, payable) = await FundedAccountAsync(1_000);
        var key = TestData.NewId("once");
        Assert.Equal(PostResult.Posted, await PostAsync(key, accountId, [new(credits, -100), new(payable, 100)]));
        await Assert.ThrowsAsync<DbUpdateException>(() => PostAsync(key, accountId, [new(credits, -100), new(payable, 100)]));
        Assert.Equal(900, await BalanceAsync(accountId));
        Assert.Equal(1, await TransactionsWithKeyPrefixAsync(key));
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task ConcurrentTopUpsAllLand()
    {
        var account = await app.CreateAccountAsync();
        var tasks = Enumerable.Range(0, 20).Select(_ => Task.Run(async () =>
        {
            var response = await app.Admin().PostAsync($"/admin/accounts/{account.Id}/credits",
                new StringContent("{\"amount_usd_cents\": 25}", System.Text.Encoding.UTF8, "application/json"), Ct);
            return response.StatusCode;
        }, Ct)).ToArray();
        Assert.All(await Task.WhenAll(tasks), s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(500, await BalanceAsync(account.Id));
        await app.AssertLedgerSoundAsync();
    }
}

public sealed class LedgerTestsOnSqlite(SqliteApp app) : LedgerTests(app), IClassFixture<SqliteApp>;

public sealed class LedgerTestsOnPostgres(PostgresApp app) : LedgerTests(app), IClassFixture<PostgresApp>;
