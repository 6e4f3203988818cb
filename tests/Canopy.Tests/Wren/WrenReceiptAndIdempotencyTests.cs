using System.Net.Http.Json;
using System.Net;
using Canopy.Data;
using Canopy.Notifications;
using Canopy.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Canopy.Outbox;

namespace Canopy.Tests.Wren;

public abstract class WrenReceiptAndIdempotencyTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<TestAccount> AccountWithPortfolioAsync()
    {
        var project = await app.CreateProjectAsync(1_000);
        var portfolio = await app.CreatePortfolioAsync((project["id"]!.GetValue<string>(), 1m));
        var account = await app.CreateAccountAsync(creditsUsdCents: 100_000);
        await app.Admin().PatchJsonAsync($"/admin/accounts/{account.Id}", new { default_portfolio_id = portfolio["id"]!.GetValue<string>() });
        return account;
    }

    private async Task<List<OutboxMessage>> OutboxAsync(long accountId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        return await db.OutboxMessages.AsNoTracking().Where(m => m.AccountId == accountId).ToListAsync(Ct);
    }

    private async Task<int> OrderCountAsync(long accountId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        return await db.Orders.CountAsync(o => o.AccountId == accountId, Ct);
    }

    [Fact]
    public async Task ReceiptEmailRequestIsRecordedInTheOutboxWithTheOrder()
    {
        var account = await AccountWithPortfolioAsync();
        var client = app.WithBasic(account.LiveToken);
        await client.PostJsonAsync("/api/offset-orders", new { tons = 0.5, paymentMethod = "credits", sendReceiptEmail = true }, HttpStatusCode.OK);
        await client.PostJsonAsync("/api/offset-orders", new { tons = 0.5, paymentMethod = "credits" }, HttpStatusCode.OK);

        var outbox = await OutboxAsync(account.Id);
        var receipts = outbox.Where(m => m.Topic == OutboxTopics.ReceiptEmail).ToList();
        Assert.Single(receipts);
        Assert.Null(receipts[0].CompletedAt);
        // Every order also queues its fulfilment.
        Assert.Equal(2, outbox.Count(m => m.Topic == OutboxTopics.FulfilOrder));
    }

    [Fact]
    public async Task DryRunsAndTestTokensQueueNoReceipt()
    {
        var account = await AccountWithPortfolioAsync();
        await app.WithBasic(account.LiveToken).PostJsonAsync("/api/offset-orders", new { tons = 0.5, paymentMethod = "credits", sendReceiptEmail = true, dryRun = true }, HttpStatusCode.OK);
        await app.WithBasic(account.TestToken).PostJsonAsync("/api/offset-orders", new { tons = 0.5, paymentMethod = "credits", sendReceiptEmail = true }, HttpStatusCode.OK);
        Assert.Empty(await OutboxAsync(account.Id));
    }

    [Fact]
    public async Task IdempotencyKeyReplaysAWrenOrderInsteadOfChargingTwice()
    {
        var account = await AccountWithPortfolioAsync();
        var client = app.WithBasic(account.LiveToken);
        client.DefaultRequestHeaders.Add("Idempotency-Key", "wren-" + TestData.NewId());
        var first = await client.PostAsync("/api/offset-orders", Form(("tons", "0.25"), ("paymentMethod", "credits")), Ct);
        var firstBody = await first.Content.ReadAsStringAsync(Ct);
        var second = await client.PostAsync("/api/offset-orders", Form(("tons", "0.25"), ("paymentMethod", "credits")), Ct);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(firstBody, await second.Content.ReadAsStringAsync(Ct));
        Assert.Equal("true", second.Headers.GetValues("X-Idempotent-Replay").Single());
        Assert.False(first.Headers.Contains("X-Idempotent-Replay"));
        Assert.Equal(1, await OrderCountAsync(account.Id));

        var changed = await client.PostAsync("/api/offset-orders", Form(("tons", "0.5"), ("paymentMethod", "credits")), Ct);
        var problem = await changed.ReadJsonAsync((HttpStatusCode)422);
        Assert.Equal(["message"], problem.Keys());
        Assert.Equal(1, await OrderCountAsync(account.Id));
    }

    [Fact]
    public async Task OverlongIdempotencyKeyIs400AndWritesNothing()
    {
        var account = await AccountWithPortfolioAsync();
        var client = app.WithBasic(account.LiveToken);
        client.DefaultRequestHeaders.Add("Idempotency-Key", new string('k', 513));
        var response = await client.PostAsync("/api/offset-orders", Form(("tons", "0.25"), ("paymentMethod", "credits")), Ct);
        var body = await response.ReadJsonAsync(HttpStatusCode.BadRequest);
        Assert.Contains("512", body["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(0, await OrderCountAsync(account.Id));
    }

    [Fact]
    public async Task AKeyOver512CharactersIsRefusedOnEveryWrenPostForLiveAndTestTokens()
    {
        var account = await AccountWithPortfolioAsync();
        await app.CreateProjectAsync(100, kind: "tree");
        foreach (var token in new[] { account.LiveToken, account.TestToken })
        {
            var client = app.WithBasic(token);
            client.DefaultRequestHeaders.Add("Idempotency-Key", new string('k', 600));
            foreach (var (url, body) in new (string, object)[]
                     {
                         ("/api/tree-orders/preview", new { amountOfTrees = 3 }),
                         ("/api/tree-orders", new { amountOfTrees = 3, paymentMethod = "credits", dryRun = true }),
                         ("/api/offset-orders", new { tons = 0.25, paymentMethod = "credits", dryRun = true }),
                     })
            {
                var refused = await (await client.PostAsJsonAsync(url, body, Ct)).ReadJsonAsync(HttpStatusCode.BadRequest);
                Assert.Equal("Idempotency-Key must be at most 512 characters.", refused["message"]!.GetValue<string>());
            }
            // 512 is still a key.
            var fine = app.WithBasic(token);
            fine.DefaultRequestHeaders.Add("Idempotency-Key", new string('k', 511) + token[^1]);
            await fine.PostJsonAsync("/api/tree-orders/preview", new { amountOfTrees = 3 }, HttpStatusCode.OK);
        }
        Assert.Equal(0, await OrderCountAsync(account.Id));
    }

    [Fact]
    public async Task TestTokensLeaveNoIdempotencyRecord()
    {
        var account = await AccountWithPortfolioAsync();
        var client = app.WithBasic(account.TestToken);
        client.DefaultRequestHeaders.Add("Idempotency-Key", "wren-test-" + TestData.NewId());
        await client.PostJsonAsync("/api/offset-orders", new { tons = 0.25 }, HttpStatusCode.OK);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        Assert.Equal(0, await db.IdempotencyRecords.CountAsync(r => r.AccountId == account.Id, Ct));
    }

    [Fact]
    public async Task OnlyLiveTokensRecordTheirLastUse()
    {
        var account = await AccountWithPortfolioAsync();
        await app.WithBasic(account.TestToken).PostJsonAsync("/api/offset-orders", new { tons = 0.25 }, HttpStatusCode.OK);
        await app.WithBasic(account.LiveToken).GetJsonAsync("/api/offset-orders");
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        var tokens = await db.ApiTokens.AsNoTracking().Where(t => t.AccountId == account.Id).ToListAsync(Ct);
        Assert.Null(tokens.Single(t => t.Mode == Canopy.Accounts.TokenMode.Test).LastUsedAt);
        Assert.NotNull(tokens.Single(t => t.Mode == Canopy.Accounts.TokenMode.Live).LastUsedAt);
    }

    private static FormUrlEncodedContent Form(params (string Key, string Value)[] fields) =>
        new(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));
}

public sealed class WrenReceiptAndIdempotencyTestsOnSqlite(SqliteApp app) : WrenReceiptAndIdempotencyTests(app), IClassFixture<SqliteApp>;

public sealed class WrenReceiptAndIdempotencyTestsOnPostgres(PostgresApp app) : WrenReceiptAndIdempotencyTests(app), IClassFixture<PostgresApp>;
