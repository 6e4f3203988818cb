// Canopy benchmarks: print figures, assert nothing. See bench/README.md.
//   dotnet run -c Release --project bench/Canopy.Bench -- [wren-list|keyset|all] [--orders N] [--postgres CONNSTRING]
//   dotnet run -c Release --project bench/Canopy.Bench -- sqlite-writer --db FILE [--seconds S] [--group N]   (used by bench/run)
using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Canopy.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

var mode = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "all";
var postgres = Option("--postgres") ?? Environment.GetEnvironmentVariable("CANOPY_BENCH_POSTGRES");
var ordersOption = Option("--orders");

if (mode == "sqlite-writer")
{
    RawSqliteWriter.Run(Option("--db") ?? throw new ArgumentException("sqlite-writer needs --db FILE"),
        double.Parse(Option("--seconds") ?? "10", CultureInfo.InvariantCulture), int.Parse(Option("--group") ?? "1", CultureInfo.InvariantCulture));
    return;
}
if (mode is "wren-list" or "all") await WrenListAsync(ordersOption is null ? 100_000 : int.Parse(ordersOption, CultureInfo.InvariantCulture));
if (mode is "keyset" or "all") await KeysetAsync(ordersOption is null ? 1_000_000 : int.Parse(ordersOption, CultureInfo.InvariantCulture));
if (mode is "orders" or "all") await PlaceOrdersAsync(int.Parse(Option("--clients") ?? "16", CultureInfo.InvariantCulture),
    double.Parse(Option("--seconds") ?? "10", CultureInfo.InvariantCulture));
return;

string? Option(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

// GET /api/offset-orders for one account with N orders (one allocation each): the whole list, streamed.
async Task WrenListAsync(int orders)
{
    await using var app = await BenchApp.StartAsync(postgres);
    var (accountId, token, projectId, _) = await app.AccountAsync();
    Console.WriteLine($"[wren-list] {app.Provider}: seeding {orders:N0} orders…");
    var seed = Stopwatch.StartNew();
    await app.SeedOrdersAsync(accountId, projectId, orders);
    Console.WriteLine($"[wren-list] seeded in {seed.Elapsed.TotalSeconds:F1} s");

    var client = app.Client(token, basic: true);
    var times = new List<double>();
    long bytes = 0;
    for (var i = 0; i < 6; i++)
    {
        var sw = Stopwatch.StartNew();
        using var response = await client.GetAsync("/api/offset-orders", HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync();
        bytes = await Drain(stream);
        if (i > 0) times.Add(sw.Elapsed.TotalMilliseconds); // the first run warms caches and JIT
    }
    times.Sort();
    Console.WriteLine($"[wren-list] {app.Provider}, {orders:N0} rows, {bytes / 1024.0 / 1024.0:F1} MiB: " +
        $"median {times[times.Count / 2]:F0} ms, best {times[0]:F0} ms, {orders / (times[times.Count / 2] / 1000):N0} rows/s");
}

// GET /v1/orders pages near the newest order, in the middle and near the oldest of N: keyset pages cost the same everywhere.
async Task KeysetAsync(int orders)
{
    await using var app = await BenchApp.StartAsync(postgres);
    var (accountId, token, projectId, _) = await app.AccountAsync();
    Console.WriteLine($"[keyset] {app.Provider}: seeding {orders:N0} orders…");
    var seed = Stopwatch.StartNew();
    await app.SeedOrdersAsync(accountId, projectId, orders);
    Console.WriteLine($"[keyset] seeded in {seed.Elapsed.TotalSeconds:F1} s");

    var client = app.Client(token, basic: false);
    var cursors = await app.CursorsAsync(accountId, [orders - 10, orders / 2, 10]);
    var cases = new (string Name, string Url)[]
    {
        ("first page", "/v1/orders?limit=20"),
        ($"after order #{orders - 10:N0} from oldest (near newest)", $"/v1/orders?limit=20&starting_after={cursors[0]}"),
        ($"after order #{orders / 2:N0} (middle)", $"/v1/orders?limit=20&starting_after={cursors[1]}"),
        ("after order #10 (near oldest)", $"/v1/orders?limit=20&starting_after={cursors[2]}"),
        ($"before order #{orders / 2:N0} (middle, backwards)", $"/v1/orders?limit=20&ending_before={cursors[1]}"),
    };
    foreach (var (name, url) in cases)
    {
        for (var i = 0; i < 20; i++) (await client.GetAsync(url)).EnsureSuccessStatusCode();
        var times = new List<double>();
        for (var i = 0; i < 200; i++)
        {
            var sw = Stopwatch.StartNew();
            using var response = await client.GetAsync(url);
            response.EnsureSuccessStatusCode();
            await response.Content.ReadAsByteArrayAsync();
            times.Add(sw.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        Console.WriteLine($"[keyset] {app.Provider}, {orders:N0} orders, {name}: median {times[100]:F2} ms, p95 {times[190]:F2} ms");
    }
}

// POST /v1/orders paid by credits from C concurrent clients for S seconds: the whole order path (auth, pricing, split,
// conditional credits spend, order + allocations + ledger + outbox in one transaction). A baseline for DESIGN §11.
async Task PlaceOrdersAsync(int clients, double seconds)
{
    await using var app = await BenchApp.StartAsync(postgres);
    // One account per client: customers do not share a credits row, so this measures the order path, not one row's lock.
    var tokens = new List<string>();
    for (var i = 0; i < clients; i++)
    {
        var (accountId, token, _, _) = await app.AccountAsync(i == 0);
        await app.CreditsAsync(accountId, 100_000_000_000);
        tokens.Add(token);
    }
    var body = new { amount_kg = 1.5 };
    var warm = app.Client(tokens[0], basic: false);
    for (var i = 0; i < 50; i++) (await warm.PostAsJsonAsync("/v1/orders", body)).EnsureSuccessStatusCode();

    var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
    var until = Stopwatch.StartNew();
    var failures = 0;
    await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
    {
        var client = app.Client(tokens[c], basic: false);
        while (until.Elapsed.TotalSeconds < seconds)
        {
            var sw = Stopwatch.StartNew();
            using var response = await client.PostAsJsonAsync("/v1/orders", body);
            if (response.StatusCode != System.Net.HttpStatusCode.Created) Interlocked.Increment(ref failures);
            latencies.Add(sw.Elapsed.TotalMilliseconds);
        }
    }));
    var sorted = latencies.Order().ToList();
    Console.WriteLine($"[orders] {app.Provider}, {clients} clients, {until.Elapsed.TotalSeconds:F1} s: {sorted.Count / until.Elapsed.TotalSeconds:N0} orders/s, " +
        $"p50 {sorted[sorted.Count / 2]:F1} ms, p95 {sorted[(int)(sorted.Count * 0.95)]:F1} ms, {failures} failed");
}

static async Task<long> Drain(Stream stream)
{
    var buffer = new byte[64 * 1024];
    long total = 0;
    int read;
    while ((read = await stream.ReadAsync(buffer)) > 0) total += read;
    return total;
}

/// <summary>Canopy in-process (no network), on a fresh SQLite file or a fresh PostgreSQL database.</summary>
sealed class BenchApp : WebApplicationFactory<CanopyDbContext> // any type of the Canopy assembly locates its entry point
{
    private const string AdminKey = "bench-admin-key-0123456789";
    private readonly string _connectionString;
    private readonly string? _pgAdmin;
    private readonly string? _pgDatabase;
    private readonly string? _sqlitePath;

    public string Provider => _pgDatabase is null ? "SQLite" : "PostgreSQL";

    private BenchApp(string connectionString, string? pgAdmin, string? pgDatabase, string? sqlitePath)
    {
        _connectionString = connectionString;
        _pgAdmin = pgAdmin;
        _pgDatabase = pgDatabase;
        _sqlitePath = sqlitePath;
    }

    public static async Task<BenchApp> StartAsync(string? postgres)
    {
        // The web project's content (appsettings.json) is copied next to this program.
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_CANOPY", AppContext.BaseDirectory);
        BenchApp app;
        if (postgres is null)
        {
            var path = Path.Combine(Path.GetTempPath(), $"canopy-bench-{Guid.NewGuid():N}.db");
            app = new BenchApp($"Data Source={path}", null, null, path);
        }
        else
        {
            var builder = new NpgsqlConnectionStringBuilder(postgres);
            var database = $"canopy_bench_{Guid.NewGuid():N}";
            await using (var conn = new NpgsqlConnection(builder.ConnectionString))
            {
                await conn.OpenAsync();
                await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", conn);
                await cmd.ExecuteNonQueryAsync();
            }
            var admin = builder.ConnectionString;
            builder.Database = database;
            app = new BenchApp(builder.ConnectionString, admin, database, null);
        }
        _ = app.Services;
        return app;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("Database:Provider", _pgDatabase is null ? "sqlite" : "postgres");
        builder.UseSetting("ConnectionStrings:Canopy", _connectionString);
        builder.UseSetting("Canopy:AdminKey", AdminKey);
        builder.UseSetting("Canopy:SeedDemo", "false");
        builder.UseSetting("urls", "http://127.0.0.1:0");
        builder.UseSetting("Canopy:RateLimit:PermitsPerSecond", "1000000"); // measure the work, not the limiter
        builder.UseSetting("Canopy:RateLimit:Burst", "1000000");
        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
        builder.UseSetting("Serilog:MinimumLevel:Override:Microsoft.AspNetCore", "Warning");
    }

    public HttpClient Client(string token, bool basic)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = basic
            ? new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(token + ":")))
            : new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>An account with a live token and one certified project in a default portfolio, made through the operator API.</summary>
    public async Task<(long AccountId, string Token, long ProjectId, string PortfolioId)> AccountAsync(bool withCatalogue = true)
    {
        var admin = CreateClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        if (withCatalogue)
        {
            await Post(admin, "/admin/projects", new { id = "BENCH1", name = "Bench project", kind = "offset", cost_per_ton_usd_cents = 2_000, certified = true });
            await Post(admin, "/admin/portfolios", new { id = "BENCHP", name = "Bench portfolio", is_default = true, allocations = new[] { new { project_id = "BENCH1", fraction = 1m } } });
        }
        var project = await Send(admin, HttpMethod.Get, "/admin/projects/BENCH1", null);
        const string portfolioId = "BENCHP";
        var account = await Post(admin, "/admin/accounts", new { name = "Bench Co", billing = "invoice", public_feed_opt_in = true });
        var id = account["id"]!.GetValue<long>();
        var token = await Post(admin, $"/admin/accounts/{id}/tokens", new { mode = "live" });
        return (id, token["token"]!.GetValue<string>(), project["wren_id"]!.GetValue<long>(), portfolioId);
    }

    public async Task CreditsAsync(long accountId, long cents)
    {
        var admin = CreateClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        await Post(admin, $"/admin/accounts/{accountId}/credits", new { amount_usd_cents = Math.Min(cents, 100_000_000_000) });
        await Send(admin, HttpMethod.Patch, $"/admin/accounts/{accountId}", new { billing = "credits" });
    }

    private static Task<JsonObject> Post(HttpClient client, string url, object body) => Send(client, HttpMethod.Post, url, body);

    private static async Task<JsonObject> Send(HttpClient client, HttpMethod method, string url, object? body)
    {
        var response = await client.SendAsync(new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) });
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{url}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>Writes N orders of one allocation each straight into the tables, 1 000 rows per statement.</summary>
    public async Task SeedOrdersAsync(long accountId, long projectId, int count)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        var conn = db.Database.GetDbConnection();
        await conn.OpenAsync();
        var tokenId = await Scalar(conn, $"SELECT id FROM api_tokens WHERE account_id = {accountId} LIMIT 1");
        var firstOrderId = await Scalar(conn, "SELECT COALESCE(MAX(id), 0) FROM orders") + 1;
        var start = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        const int batch = 1_000;
        for (var done = 0; done < count; done += batch)
        {
            var n = Math.Min(batch, count - done);
            await using var tx = await conn.BeginTransactionAsync();
            var orders = new StringBuilder("INSERT INTO orders (id, public_id, order_number, account_id, token_id, mode, dialect, kind, state, grams, trees, price_usd_cents, amount_charged, charge_currency, payment_method, send_receipt_email, certificate_id, created_at) VALUES ");
            var allocations = new StringBuilder("INSERT INTO order_allocations (order_id, account_id, mode, project_id, grams, trees, price_usd_cents, certified, cancelled, created_at) VALUES ");
            for (var i = 0; i < n; i++)
            {
                var id = firstOrderId + done + i;
                var at = Timestamp(start.AddSeconds(done + i));
                if (i > 0) { orders.Append(','); allocations.Append(','); }
                orders.Append(CultureInfo.InvariantCulture, $"({id}, 'bench{id:D12}', 'bench-{id}', {accountId}, {tokenId}, 0, 1, 0, 0, 1000, 0, 2, 2, 'USD', 2, {False}, 'cert{id:D16}', {at})");
                allocations.Append(CultureInfo.InvariantCulture, $"({id}, {accountId}, 0, {projectId}, 1000, 0, 2, {True}, {False}, {at})");
            }
            await Exec(conn, tx, orders.ToString());
            await Exec(conn, tx, allocations.ToString());
            await tx.CommitAsync();
        }
        await using (var tx = await conn.BeginTransactionAsync())
        {
            await Exec(conn, tx, $"INSERT INTO account_totals (account_id, certified_grams, uncertified_grams, trees, orders) VALUES ({accountId}, {count * 1000L}, 0, 0, {count}) ON CONFLICT (account_id) DO UPDATE SET certified_grams = excluded.certified_grams, orders = excluded.orders");
            if (_pgDatabase is not null)
            {
                await Exec(conn, tx, "SELECT setval(pg_get_serial_sequence('orders', 'id'), (SELECT MAX(id) FROM orders))");
                await Exec(conn, tx, "ANALYZE orders; ANALYZE order_allocations;");
            }
            await tx.CommitAsync();
        }
    }

    /// <summary>Public ids of the orders at these positions, counted from the oldest (1-based).</summary>
    public async Task<string[]> CursorsAsync(long accountId, int[] positions)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        var result = new string[positions.Length];
        for (var i = 0; i < positions.Length; i++)
            result[i] = await db.Orders.Where(o => o.AccountId == accountId).OrderBy(o => o.Id).Skip(positions[i] - 1).Select(o => o.PublicId).FirstAsync();
        return result;
    }

    private string True => _pgDatabase is null ? "1" : "TRUE";
    private string False => _pgDatabase is null ? "0" : "FALSE";
    private string Timestamp(DateTime t) => _pgDatabase is null
        ? "'" + t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "'"
        : "TIMESTAMPTZ '" + t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "+00'";

    private static async Task<long> Scalar(DbConnection conn, string sql)
    {
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    private static async Task Exec(DbConnection conn, DbTransaction tx, string sql)
    {
        await using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_sqlitePath is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm" }) File.Delete(_sqlitePath + suffix);
        }
        if (_pgDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var conn = new NpgsqlConnection(_pgAdmin);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_pgDatabase}\" WITH (FORCE)", conn);
            await cmd.ExecuteNonQueryAsync();
        }
    }
}
