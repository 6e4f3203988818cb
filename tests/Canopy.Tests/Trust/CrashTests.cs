using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Canopy.Tests.Infrastructure;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Canopy.Tests.Trust;

/// <summary>
/// A Canopy process killed with SIGKILL in the middle of a load of card orders and cancellations, then started again on
/// the same database: every order acknowledged with a 2xx is there and its Idempotency-Key replays the stored answer
/// byte for byte, every acknowledged cancellation holds, the ledger check is green, and the outbox resumes (every card
/// refund queued before the crash is delivered by the new process).
/// </summary>
public abstract class CrashTests(Db db)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record Acked(string Key, string Body, string Id);

    [Fact]
    public async Task KilledUnderLoadAndRestartedNothingAcknowledgedIsLostAndTheOutboxResumes()
    {
        var (settings, cleanup, countPendingRefunds) = await DatabaseAsync();
        try
        {
            var node = await CanopyProcess.StartAsync(settings);
            var admin = node.Client(CanopyApp.AdminKey);
            var projectId = TestData.NewId("p");
            await admin.PostJsonAsync("/admin/projects", new { id = projectId, name = "Crash project", kind = "offset", cost_per_ton_usd_cents = 1_000, certified = true, type = "Biochar" }, HttpStatusCode.Created);
            var portfolio = (await admin.PostJsonAsync("/admin/portfolios", new { id = TestData.NewId("f"), name = "Crash portfolio", allocations = new[] { new { project_id = projectId, fraction = 1m } } }, HttpStatusCode.Created))["id"]!.GetValue<string>();
            var account = (await admin.PostJsonAsync("/admin/accounts", new { name = "Crash Co", default_portfolio_id = portfolio }, HttpStatusCode.Created))["id"]!.GetValue<long>();
            await admin.PostJsonAsync($"/admin/accounts/{account}/card", new { payment_method = "pm_card_visa" }, HttpStatusCode.OK);
            await admin.PatchJsonAsync($"/admin/accounts/{account}", new { billing = "card" });
            var token = (await admin.PostJsonAsync($"/admin/accounts/{account}/tokens", new { mode = "live" }, HttpStatusCode.Created))["token"]!.GetValue<string>();

            var acked = new ConcurrentBag<Acked>();
            var cancelled = new ConcurrentBag<string>();
            var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var workers = Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
            {
                using var client = node.Client(token);
                for (var i = 0; !killed.Task.IsCompleted; i++)
                {
                    try
                    {
                        var key = $"crash-{w}-{i}-{Guid.NewGuid():N}";
                        var body = $$"""{"amount_kg":100,"metadata":"w{{w}} n{{i}}"}""";
                        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/orders") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                        request.Headers.Add("Idempotency-Key", key);
                        using var response = await client.SendAsync(request, Ct);
                        var text = await response.Content.ReadAsStringAsync(Ct);
                        if (response.StatusCode != HttpStatusCode.Created) continue;
                        var id = JsonNode.Parse(text)!["id"]!.GetValue<string>();
                        acked.Add(new Acked(key, body, id));
                        if (i % 3 == 0 && (await client.PostAsync($"/v1/orders/{id}/cancel", null, Ct)).StatusCode == HttpStatusCode.OK) cancelled.Add(id);
                    }
                    catch (HttpRequestException) { } // the process is gone
                    catch (TaskCanceledException) { }
                }
            }, Ct)).ToList();

            // Kill it while the load runs, once a fair number of orders went through.
            for (var wait = 0; acked.Count < 30 && wait < 600; wait++) await Task.Delay(100, Ct);
            Assert.True(acked.Count >= 30, $"Only {acked.Count} orders acknowledged before the kill.");
            await node.KillAsync();
            killed.SetResult();
            await Task.WhenAll(workers);

            await using var restarted = await CanopyProcess.StartAsync(settings);
            using var client = restarted.Client(token);
            foreach (var a in acked)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/orders") { Content = new StringContent(a.Body, Encoding.UTF8, "application/json") };
                request.Headers.Add("Idempotency-Key", a.Key);
                using var replay = await client.SendAsync(request, Ct);
                var text = await replay.Content.ReadAsStringAsync(Ct);
                Assert.True(replay.StatusCode == HttpStatusCode.Created, $"{a.Key}: {(int)replay.StatusCode} {text}");
                Assert.Equal("true", replay.Headers.GetValues("X-Idempotent-Replay").Single());
                Assert.Equal(a.Id, JsonNode.Parse(text)!["id"]!.GetValue<string>());
                var order = await client.GetJsonAsync($"/v1/orders/{a.Id}");
                Assert.Equal(cancelled.Contains(a.Id) ? "cancelled" : order["state"]!.GetValue<string>(), order["state"]!.GetValue<string>());
            }
            var check = await restarted.Client(CanopyApp.AdminKey).GetJsonAsync("/admin/ledger/check");
            Assert.True(check["ok"]!.GetValue<bool>(), check.ToJsonString());

            // The new process works the outbox the old one left: every queued card refund is delivered.
            var pending = await countPendingRefunds();
            for (var wait = 0; pending > 0 && wait < 300; wait++)
            {
                await Task.Delay(200, Ct);
                pending = await countPendingRefunds();
            }
            Assert.Equal(0, pending);
            await node.DisposeAsync();
        }
        finally
        {
            await cleanup();
        }
    }

    private async Task<(Dictionary<string, string> Settings, Func<Task> Cleanup, Func<Task<long>> PendingRefunds)> DatabaseAsync()
    {
        var settings = new Dictionary<string, string>
        {
            ["Canopy:AdminKey"] = CanopyApp.AdminKey,
            ["Canopy:SeedDemo"] = "false",
            ["Canopy:RateLimit:PermitsPerSecond"] = "1000000",
            ["Canopy:RateLimit:Burst"] = "1000000",
            ["Canopy:Outbox:WorkerEnabled"] = "true",
            ["Serilog:MinimumLevel:Default"] = "Warning",
        };
        const string pendingSql = "SELECT COUNT(*) FROM outbox_messages WHERE topic = 'payment.refund' AND completed_at IS NULL AND gave_up_at IS NULL";
        if (db == Db.Sqlite)
        {
            var path = Path.Combine(Path.GetTempPath(), $"canopy-crash-{Guid.NewGuid():N}.db");
            settings["Database:Provider"] = "sqlite";
            settings["ConnectionStrings:Canopy"] = $"Data Source={path}";
            return (settings, () =>
            {
                SqliteConnection.ClearAllPools();
                foreach (var suffix in new[] { "", "-wal", "-shm", ".startup-lock" }) try { File.Delete(path + suffix); } catch (IOException) { }
                return Task.CompletedTask;
            }, async () =>
            {
                await using var conn = new SqliteConnection($"Data Source={path}");
                await conn.OpenAsync(Ct);
                await using var cmd = new SqliteCommand(pendingSql, conn);
                return (long)(await cmd.ExecuteScalarAsync(Ct))!;
            });
        }
        var server = Environment.GetEnvironmentVariable(CanopyApp.PostgresVariable);
        if (string.IsNullOrWhiteSpace(server)) Assert.Skip("No PostgreSQL server for the crash test.");
        var name = $"canopy_crash_{Guid.NewGuid():N}";
        await using (var conn = new NpgsqlConnection(server))
        {
            await conn.OpenAsync(Ct);
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
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
            await using var conn = new NpgsqlConnection(cs);
            await conn.OpenAsync(Ct);
            await using var cmd = new NpgsqlCommand(pendingSql, conn);
            return (long)(await cmd.ExecuteScalarAsync(Ct))!;
        });
    }
}

public sealed class CrashTestsOnSqlite() : CrashTests(Db.Sqlite);

public sealed class CrashTestsOnPostgres() : CrashTests(Db.Postgres);
