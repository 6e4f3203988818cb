using Microsoft.Data.Sqlite;
using Npgsql;

namespace Canopy.Data;

/// <summary>
/// One node at a time runs the work done once at start (migrations, the admin key, the demo seed), so that any number
/// of nodes can start together on one empty database: the others wait, then find it done. PostgreSQL: a session
/// advisory lock on a fixed key, held on its own connection (released by the server if the process dies). SQLite: an
/// exclusive lock on a file beside the database (processes on one machine; a memory database needs none).
/// </summary>
internal static class StartupLock
{
    /// <summary>The advisory lock's key: "Canopy" in ASCII, so that it is recognisable in <c>pg_locks</c>.</summary>
    public const long AdvisoryKey = 0x43616E6F7079;

    public static async Task<IAsyncDisposable> AcquireAsync(IConfiguration config, CancellationToken ct)
    {
        var provider = (config["Database:Provider"] ?? "sqlite").Trim().ToLowerInvariant();
        var connectionString = config.GetConnectionString("Canopy");
        return provider is "postgres" or "postgresql"
            ? await PostgresAsync(connectionString!, ct)
            : await SqliteAsync(connectionString ?? "Data Source=canopy.db", ct);
    }

    private static async Task<IAsyncDisposable> PostgresAsync(string connectionString, CancellationToken ct)
    {
        // Unpooled: closing the connection ends the session, and with it the lock, whatever happens to the unlock.
        var pg = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, Multiplexing = false };
        // A list of hosts: the lock must live on the primary, where the migrations run.
        if (pg.Host?.Contains(',', StringComparison.Ordinal) == true) pg.TargetSessionAttributes = "primary";
        var conn = new NpgsqlConnection(pg.ConnectionString);
        try
        {
            await conn.OpenAsync(ct);
            await using (var cmd = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", conn))
            {
                cmd.Parameters.AddWithValue("key", AdvisoryKey);
                cmd.CommandTimeout = 0; // wait as long as the node holding it takes to migrate
                await cmd.ExecuteNonQueryAsync(ct);
            }
            return new Release(async () =>
            {
                try
                {
                    await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", conn);
                    unlock.Parameters.AddWithValue("key", AdvisoryKey);
                    await unlock.ExecuteNonQueryAsync(CancellationToken.None);
                }
                finally
                {
                    await conn.DisposeAsync();
                }
            });
        }
        catch
        {
            await conn.DisposeAsync();
            throw;
        }
    }

    private static async Task<IAsyncDisposable> SqliteAsync(string connectionString, CancellationToken ct)
    {
        var sqlite = new SqliteConnectionStringBuilder(connectionString);
        var path = sqlite.DataSource;
        if (sqlite.Mode == SqliteOpenMode.Memory || string.IsNullOrEmpty(path) || path == ":memory:")
            return new Release(() => ValueTask.CompletedTask);
        // The lock file stays (deleting it would let a third process lock a new file while a second holds the old one).
        var lockPath = Path.GetFullPath(path) + ".startup-lock";
        while (true)
        {
            try
            {
                var file = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                return new Release(() => file.DisposeAsync());
            }
            catch (IOException)
            {
                // Another process on this machine is migrating: wait for it.
                await Task.Delay(100, ct);
            }
        }
    }

    private sealed class Release(Func<ValueTask> release) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => release();
    }
}
