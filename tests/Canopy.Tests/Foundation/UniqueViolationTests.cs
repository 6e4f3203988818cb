using Canopy.Data;
using Canopy.Ledger;
using Canopy.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Tests.Foundation;

/// <summary>A conflict is told from other failed writes by the unique index or key it hit, on both databases.</summary>
public abstract class UniqueViolationTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<DbUpdateException> FailedSaveAsync(Action<CanopyDbContext> add)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        add(db);
        return await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync(Ct));
    }

    private CanopyDbContext Db() => app.Services.CreateScope().ServiceProvider.GetRequiredService<CanopyDbContext>();

    [Fact]
    public async Task ADuplicateKeyIsAViolationOfThatKeyOnly()
    {
        var key = "unique-violation-test-" + Guid.NewGuid().ToString("N");
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
            db.Settings.Add(new Setting { Key = key, Value = "first" });
            await db.SaveChangesAsync(Ct);
        }
        var error = await FailedSaveAsync(db => db.Settings.Add(new Setting { Key = key, Value = "second" }));
        using var check = Db();
        Assert.True(error.IsUniqueViolation(check, "pk_settings"));
        Assert.False(error.IsUniqueViolation(check, "ix_ledger_accounts_code"));
    }

    [Fact]
    public async Task AForeignKeyFailureIsNoConflict()
    {
        // An entry of a ledger account that does not exist: a failed write, but nobody wrote "it" first.
        var error = await FailedSaveAsync(db => db.LedgerTransactions.Add(new LedgerTransaction
        {
            Key = "unique-violation-fk-" + Guid.NewGuid().ToString("N"), Kind = "test", Currency = "USD", CreatedAt = DateTime.UtcNow,
            Entries = [new LedgerEntry { LedgerAccountId = long.MaxValue, Amount = 1 }, new LedgerEntry { LedgerAccountId = long.MaxValue - 1, Amount = -1 }],
        }));
        using var check = Db();
        Assert.False(error.IsUniqueViolation(check, "ix_ledger_transactions_key"));
        Assert.False(error.IsUniqueViolation(check, "pk_settings"));
    }

    [Fact]
    public void ANameTheModelDoesNotHaveIsAProgrammingError()
    {
        using var check = Db();
        Assert.Throws<ArgumentException>(() => new DbUpdateException("x").IsUniqueViolation(check, "ix_no_such_index"));
    }
}

public sealed class UniqueViolationTestsOnSqlite(SqliteApp app) : UniqueViolationTests(app), IClassFixture<SqliteApp>;

public sealed class UniqueViolationTestsOnPostgres(PostgresApp app) : UniqueViolationTests(app), IClassFixture<PostgresApp>;
