using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Canopy.Data;

/// <summary>
/// "Someone wrote this first" — the one way to tell a conflict from any other failed write. A write that fails on a
/// foreign key, a check constraint or a lost connection is not a conflict and must not be answered as one.
/// </summary>
public static class UniqueViolation
{
    /// <summary>
    /// Whether <paramref name="error"/> (an EF <see cref="DbUpdateException"/> or the provider's own exception from a
    /// raw statement) is a duplicate in the unique index or primary key that migrations named <paramref name="name"/>
    /// (e.g. <c>ix_ledger_accounts_code</c>, <c>pk_settings</c>). PostgreSQL names the constraint; SQLite names its
    /// columns, which the model maps back. A name the model does not have is a programming error and throws.
    /// </summary>
    public static bool IsUniqueViolation(this Exception error, DbContext db, string name)
    {
        var columns = ColumnsOf(db, name) ?? throw new ArgumentException($"The model has no unique index or key named '{name}'.", nameof(name));
        var cause = error is DbUpdateException { InnerException: { } inner } ? inner : error;
        return cause switch
        {
            PostgresException pg => pg.SqlState == PostgresErrorCodes.UniqueViolation && pg.ConstraintName == name,
            // SQLITE_CONSTRAINT_UNIQUE (2067) or SQLITE_CONSTRAINT_PRIMARYKEY (1555): "UNIQUE constraint failed: t.a, t.b".
            SqliteException sqlite => sqlite.SqliteExtendedErrorCode is 2067 or 1555
                && sqlite.Message.Contains("constraint failed: " + columns + "'", StringComparison.Ordinal),
            _ => false,
        };
    }

    private static string? ColumnsOf(DbContext db, string name)
    {
        foreach (var entity in db.Model.GetEntityTypes())
        {
            var table = entity.GetTableName();
            if (table is null) continue;
            var columns = entity.GetIndexes().Where(i => i.IsUnique && i.GetDatabaseName() == name).Select(i => i.Properties)
                .Concat(entity.GetKeys().Where(k => k.GetName() == name).Select(k => k.Properties)).FirstOrDefault();
            if (columns is not null) return string.Join(", ", columns.Select(p => table + "." + p.GetColumnName()));
        }
        return null;
    }
}
