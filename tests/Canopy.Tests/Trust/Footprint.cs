using Canopy.Data;
using Canopy.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Tests.Trust;

/// <summary>
/// Everything a request could have written, in one query: the row count of every table in the model (but the
/// idempotency records, which store refused answers for replay by design) and the sum of all ledger balances.
/// </summary>
internal static class Footprint
{
    public static async Task<string> ReadAsync(CanopyApp app)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        var parts = new List<string>();
        foreach (var entity in db.Model.GetEntityTypes().Where(e => e.GetTableName() is not null && !e.IsOwned()).OrderBy(e => e.GetTableName(), StringComparer.Ordinal))
        {
            var table = entity.GetTableName()!;
            if (table.Contains("idempotency", StringComparison.Ordinal)) continue;
            parts.Add($"(SELECT COUNT(*) FROM \"{table}\")");
            if (entity.ClrType.Name == "LedgerAccount")
                parts.Add($"(SELECT COALESCE(SUM(\"{entity.FindProperty("Balance")!.GetColumnName()}\"), 0) FROM \"{table}\")");
        }
        var sql = "SELECT " + string.Join(" || ',' || ", parts.Select(p => $"CAST({p} AS TEXT)"));
        var conn = db.Database.GetDbConnection();
        await conn.OpenAsync(TestContext.Current.CancellationToken);
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        return (string)(await cmd.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }
}
