using System.Net;
using System.Text;
using Canopy.Accounts;
using Canopy.Data;
using Canopy.Idempotency;
using Canopy.Tests.Cnaught;
using Canopy.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Tests.Foundation;

public abstract class IdempotencyHousekeepingTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ExpiredRecordsArePurgedAndLiveOnesKept()
    {
        var account = await app.CreateAccountAsync();
        var now = DateTime.UtcNow;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
            db.IdempotencyRecords.AddRange(
                new IdempotencyRecord { AccountId = account.Id, Mode = TokenMode.Live, Key = "old", Fingerprint = "f", Completed = true, CreatedAt = now.AddDays(-2), ExpiresAt = now.AddDays(-1) },
                new IdempotencyRecord { AccountId = account.Id, Mode = TokenMode.Live, Key = "fresh", Fingerprint = "f", Completed = true, CreatedAt = now, ExpiresAt = now.AddDays(1) });
            await db.SaveChangesAsync(Ct);
        }

        Assert.True(await app.Services.GetRequiredService<IdempotencyCleanup>().PurgeAsync(Ct) >= 1);

        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
            var keys = await db.IdempotencyRecords.Where(r => r.AccountId == account.Id).Select(r => r.Key).ToListAsync(Ct);
            Assert.Equal(["fresh"], keys);
        }
    }

    [Fact]
    public async Task ACharsetParameterDoesNotMakeARetryADifferentRequest()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var key = TestData.NewId("key");
        var first = new HttpRequestMessage(HttpMethod.Post, "/v1/orders") { Content = new StringContent("""{"amount_kg": 10}""", Encoding.UTF8, "application/json") };
        first.Headers.Add("Idempotency-Key", key);
        var firstResponse = await c.Live.SendAsync(first, Ct);
        Assert.Equal(HttpStatusCode.Created, firstResponse.StatusCode);

        var retry = new HttpRequestMessage(HttpMethod.Post, "/v1/orders") { Content = new ByteArrayContent(Encoding.UTF8.GetBytes("""{"amount_kg": 10}""")) };
        retry.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        retry.Headers.Add("Idempotency-Key", key);
        var retryResponse = await c.Live.SendAsync(retry, Ct);
        Assert.Equal(HttpStatusCode.Created, retryResponse.StatusCode);
        Assert.Equal("true", retryResponse.Headers.GetValues("X-Idempotent-Replay").Single());
    }
}

public sealed class IdempotencyHousekeepingTestsOnSqlite(SqliteApp app) : IdempotencyHousekeepingTests(app), IClassFixture<SqliteApp>;

public sealed class IdempotencyHousekeepingTestsOnPostgres(PostgresApp app) : IdempotencyHousekeepingTests(app), IClassFixture<PostgresApp>;
