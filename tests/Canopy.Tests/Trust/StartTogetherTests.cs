using System.Data.Common;
using System.Net;
using System.Text.RegularExpressions;
using Canopy.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Canopy.Tests.Trust;

/// <summary>
/// Three Canopy processes started at once on one empty database: all become ready (none trips over another's
/// migration), exactly one seeds the demo and generates the operator key, and every node accepts that key and the demo
/// token. And the <c>migrate</c> command: migrates and seeds, exits 0 without serving.
/// </summary>
public abstract partial class StartTogetherTests(Db db)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [GeneratedRegex(@"Operator API key \(Authorization: Bearer …\): (\S+)")]
    private static partial Regex AdminKeyLine();

    [GeneratedRegex(@"Demo live token: (\S+)")]
    private static partial Regex LiveTokenLine();

    [Fact]
    public async Task ThreeNodesStartingTogetherOnAnEmptyDatabaseAllServeWithOneSeedAndOneAdminKey()
    {
        var (settings, cleanup, open) = await FreshDatabaseAsync();
        var nodes = new List<CanopyProcess>();
        try
        {
            var starts = Enumerable.Range(0, 3).Select(_ => CanopyProcess.StartAsync(settings)).ToList();
            foreach (var start in starts)
            {
                try { nodes.Add(await start); }
                catch (InvalidOperationException) { } // counted below
            }
            Assert.Equal(3, nodes.Count);

            // The banner shows once, on one node; the key and the token it shows work on every node.
            var banners = nodes.Select(n => n.Output).Where(o => o.Contains("Operator API key", StringComparison.Ordinal)).ToList();
            var banner = Assert.Single(banners);
            var adminKey = AdminKeyLine().Match(banner).Groups[1].Value;
            var liveToken = LiveTokenLine().Match(banner).Groups[1].Value;
            Assert.StartsWith("cnp_admin_", adminKey, StringComparison.Ordinal);
            Assert.StartsWith("cnp_live_", liveToken, StringComparison.Ordinal);
            foreach (var node in nodes)
            {
                Assert.Equal(HttpStatusCode.OK, (await node.Client(adminKey).GetAsync("/admin/accounts", Ct)).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await node.Client(liveToken).GetAsync("/v1/orders", Ct)).StatusCode);
            }

            await using var conn = await open();
            Assert.Equal(1L, await CountAsync(conn, "SELECT COUNT(*) FROM accounts"));
            Assert.Equal(5L, await CountAsync(conn, "SELECT COUNT(*) FROM projects"));
            Assert.Equal(1L, await CountAsync(conn, "SELECT COUNT(*) FROM settings WHERE key LIKE '%admin%'"));
        }
        finally
        {
            foreach (var node in nodes) await node.DisposeAsync();
            await cleanup();
        }
    }

    [Fact]
    public async Task MigrateCommandMigratesSeedsAndExitsWithoutServing()
    {
        var (settings, cleanup, open) = await FreshDatabaseAsync();
        try
        {
            var (exit, output) = await CanopyProcess.RunAsync(settings, "migrate");
            Assert.True(exit == 0, output);
            Assert.Contains("Demo live token: cnp_live_", output, StringComparison.Ordinal);
            Assert.DoesNotContain("Now listening", output, StringComparison.Ordinal);
            await using (var conn = await open())
            {
                Assert.Equal(1L, await CountAsync(conn, "SELECT COUNT(*) FROM accounts"));
                Assert.True(await CountAsync(conn, "SELECT COUNT(*) FROM __ef_migrations") > 0);
            }

            // A node started afterwards finds everything done: it serves at once and prints no new secrets.
            await using var node = await CanopyProcess.StartAsync(settings);
            Assert.DoesNotContain("first start", node.Output, StringComparison.Ordinal);
            await using (var conn = await open()) Assert.Equal(1L, await CountAsync(conn, "SELECT COUNT(*) FROM accounts"));
        }
        finally
        {
            await cleanup();
        }

        // Without the demo: only the schema.
        (settings, cleanup, open) = await FreshDatabaseAsync();
        try
        {
            settings["Canopy:SeedDemo"] = "false";
            var (exit, output) = await CanopyProcess.RunAsync(settings, "migrate");
            Assert.True(exit == 0, output);
            await using var conn = await open();
            Assert.Equal(0L, await CountAsync(conn, "SELECT COUNT(*) FROM accounts"));
            Assert.True(await CountAsync(conn, "SELECT COUNT(*) FROM __ef_migrations") > 0);
        }
        finally
        {
            await cleanup();
        }
    }

    private async Task<long> CountAsync(DbConnection conn, string sql)
    {
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task<(Dictionary<string, string> Settings, Func<Task> Cleanup, Func<Task<DbConnection>> Open)> FreshDatabaseAsync()
    {
        var settings = new Dictionary<string, string> { ["Serilog:MinimumLevel:Default"] = "Warning" };
        if (db == Db.Sqlite)
        {
            var path = Path.Combine(Path.GetTempPath(), $"canopy-start-{Guid.NewGuid():N}.db");
            settings["Database:Provider"] = "sqlite";
            settings["ConnectionStrings:Canopy"] = $"Data Source={path}";
            return (settings, () =>
            {
                SqliteConnection.ClearAllPools();
                foreach (var suffix in new[] { "", "-wal", "-shm", ".startup-lock" }) try { File.Delete(path + suffix); } catch (IOException) { }
                return Task.CompletedTask;
            }, async () =>
            {
                var conn = new SqliteConnection($"Data Source={path};Pooling=false");
                await conn.OpenAsync(Ct);
                return conn;
            });
        }
        var server = Environment.GetEnvironmentVariable(CanopyApp.PostgresVariable);
        if (string.IsNullOrWhiteSpace(server)) Assert.Skip("No PostgreSQL server for the start-up test.");
        var name = $"canopy_start_{Guid.NewGuid():N}";
        await using (var admin = new NpgsqlConnection(server))
        {
            await admin.OpenAsync(Ct);
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin);
            await cmd.ExecuteNonQueryAsync(Ct);
        }
        var cs = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
        settings["Database:Provider"] = "postgres";
        settings["ConnectionStrings:Canopy"] = cs;
        return (settings, async () =>
        {
            NpgsqlConnection.ClearAllPools();
            await using var conn = new NpgsqlConnection(server);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", conn);
            await cmd.ExecuteNonQueryAsync();
        }, async () =>
        {
            var conn = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(cs) { Pooling = false }.ConnectionString);
            await conn.OpenAsync(Ct);
            return conn;
        });
    }
}

public sealed class StartTogetherTestsOnSqlite() : StartTogetherTests(Db.Sqlite);

public sealed class StartTogetherTestsOnPostgres() : StartTogetherTests(Db.Postgres);
