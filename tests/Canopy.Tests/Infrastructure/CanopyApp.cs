using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Npgsql;
using Canopy.Outbox;

namespace Canopy.Tests.Infrastructure;

public enum Db { Sqlite, Postgres }

/// <summary>
/// One Canopy instance on its own fresh database (a temp SQLite file, or a new PostgreSQL database on the
/// server named by CANOPY_TEST_POSTGRES). Shared by the tests of one class; every test makes its own
/// accounts and catalogue entries, so tests do not depend on each other or on order.
/// </summary>
public abstract class CanopyApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string AdminKey = "test-admin-key-0123456789";
    public const string PostgresVariable = "CANOPY_TEST_POSTGRES";

    private string? _connectionString;
    private string? _sqlitePath;
    private string? _pgDatabase;

    public abstract Db Db { get; }

    /// <summary>Extra configuration a derived fixture wants (e.g. demo seeding).</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> ExtraSettings => [];

    /// <summary>Services a derived fixture replaces (e.g. a card processor that fails on purpose).</summary>
    protected virtual void ConfigureServices(IServiceCollection services) { }

    /// <summary>Serve on a real loopback port (for clients outside this process, such as the Node SDK).</summary>
    protected virtual bool RealServer => false;

    /// <summary>The real server's address (http://127.0.0.1:port) when <see cref="RealServer"/>.</summary>
    public Uri? ServerAddress { get; private set; }

    /// <summary>Every command EF Core sends to this app's database.</summary>
    public CommandCounter Commands { get; } = new();

    /// <summary>Every event this app logged at Warning or above (the tests' minimum level), for assertions on logging.</summary>
    public LogCapture Logs { get; } = new();

    /// <summary>The PostgreSQL server this app makes its database on (CANOPY_TEST_POSTGRES, or a throwaway cluster: <see cref="TestPostgres"/>).</summary>
    protected virtual string? PostgresServer => Environment.GetEnvironmentVariable(PostgresVariable);

    public bool Available => Db == Db.Sqlite || !string.IsNullOrWhiteSpace(PostgresServer);

    /// <summary>Set by a fixture that is a second node on another fixture's database (which it neither creates nor drops).</summary>
    protected virtual string? SharedConnectionString => null;

    /// <summary>The database this app runs on (for a second node on the same database).</summary>
    public string? ConnectionString => _connectionString;

    public async ValueTask InitializeAsync()
    {
        if (!Available) return;
        if (SharedConnectionString is { } shared)
            _connectionString = shared;
        else if (Db == Db.Sqlite)
        {
            _sqlitePath = Path.Combine(Path.GetTempPath(), $"canopy-test-{Guid.NewGuid():N}.db");
            _connectionString = $"Data Source={_sqlitePath}";
        }
        else
        {
            var admin = new NpgsqlConnectionStringBuilder(PostgresServer);
            _pgDatabase = $"canopy_test_{Guid.NewGuid():N}";
            await using (var conn = new NpgsqlConnection(admin.ConnectionString))
            {
                await conn.OpenAsync();
                await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{_pgDatabase}\"", conn);
                await cmd.ExecuteNonQueryAsync();
            }
            admin.Database = _pgDatabase;
            admin.MaxPoolSize = 40;
            _connectionString = admin.ConnectionString;
        }
        if (RealServer)
        {
            UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0));
            StartServer();
            var addresses = Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
                .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()!.Addresses;
            ServerAddress = new Uri(addresses.First());
        }
        _ = Services; // start the host now: migrations run once, before the first test
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Production");
        builder.UseSetting("Database:Provider", Db == Db.Sqlite ? "sqlite" : "postgres");
        builder.UseSetting("ConnectionStrings:Canopy", _connectionString);
        builder.UseSetting("Canopy:AdminKey", AdminKey);
        builder.UseSetting("urls", "http://127.0.0.1:0");
        // Tests fire hundreds of requests a second from one token; the limits have their own tests (RateLimitedApp).
        builder.UseSetting("Canopy:RateLimit:PermitsPerSecond", "1000000");
        builder.UseSetting("Canopy:RateLimit:Burst", "1000000");
        builder.UseSetting("Canopy:RateLimit:FailedAuthBurst", "1000000");
        // Tests work the outbox themselves (OutboxProcessor.RunOnceAsync), so that what they see does not depend on timing.
        builder.UseSetting("Canopy:Outbox:WorkerEnabled", "false");
        // Likewise the monthly billing job: tests bill a month through BillingService or POST /admin/billing/runs.
        builder.UseSetting("Billing:JobEnabled", "false");
        builder.UseSetting("Canopy:SeedDemo", "false");
        // Stripe's webhook endpoint answers 404 until it has a secret; tests that sign events set their own (StripeApp).
        builder.UseSetting("Stripe:WebhookSecret", "whsec_tests_only_not_a_real_secret");
        builder.UseSetting("Serilog:MinimumLevel:Default", "Warning");
        builder.UseSetting("Serilog:MinimumLevel:Override:Microsoft.EntityFrameworkCore", "Warning");
        foreach (var (key, value) in ExtraSettings) builder.UseSetting(key, value);
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor>(Commands);
            services.AddSingleton<Serilog.Core.ILogEventSink>(Logs);
            ConfigureServices(services);
        });
    }

    /// <summary>Skips the calling test when this database is not available (PostgreSQL without CANOPY_TEST_POSTGRES).</summary>
    public void RequireAvailable()
    {
        if (!Available) Assert.Skip($"{PostgresVariable} is not set and PostgreSQL's server binaries are not installed: PostgreSQL tests skipped.");
    }

    /// <summary>A client with no credentials.</summary>
    public HttpClient Anonymous()
    {
        RequireAvailable();
        var options = new WebApplicationFactoryClientOptions { AllowAutoRedirect = false };
        if (ServerAddress is not null) options.BaseAddress = ServerAddress;
        return CreateClient(options);
    }

    /// <summary>A client for the operator API.</summary>
    public HttpClient Admin()
    {
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        return client;
    }

    /// <summary>A client sending <paramref name="token"/> as a Bearer token.</summary>
    public HttpClient WithBearer(string token)
    {
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>A client sending <paramref name="token"/> as Wren's curl does: Basic base64(TOKEN:).</summary>
    public HttpClient WithBasic(string token)
    {
        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(token + ":")));
        return client;
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_sqlitePath is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var suffix in new[] { "", "-wal", "-shm", ".startup-lock" })
                try { File.Delete(_sqlitePath + suffix); } catch (IOException) { }
        }
        if (_pgDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var conn = new NpgsqlConnection(PostgresServer);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_pgDatabase}\" WITH (FORCE)", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        GC.SuppressFinalize(this);
    }
}

public sealed class SqliteApp : CanopyApp
{
    public override Db Db => Db.Sqlite;
}

public sealed class PostgresApp : CanopyApp
{
    public override Db Db => Db.Postgres;
}

/// <summary>Tiny per-token rate limits (2 requests, then 1 per second), for the 429 tests.</summary>
public abstract class RateLimitedApp : CanopyApp
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
        [new("Canopy:RateLimit:PermitsPerSecond", "1"), new("Canopy:RateLimit:Burst", "2")];
}

public sealed class RateLimitedSqliteApp : RateLimitedApp
{
    public override Db Db => Db.Sqlite;
}

public sealed class RateLimitedPostgresApp : RateLimitedApp
{
    public override Db Db => Db.Postgres;
}

/// <summary>SQLite, on a real port.</summary>
public sealed class SqliteServerApp : CanopyApp
{
    public override Db Db => Db.Sqlite;
    protected override bool RealServer => true;
}

/// <summary>PostgreSQL, on a real port.</summary>
public sealed class PostgresServerApp : CanopyApp
{
    public override Db Db => Db.Postgres;
    protected override bool RealServer => true;
}

/// <summary>A pages' bulkhead of one at a time with one waiting (Canopy:Lists), for the bulkhead's tests.</summary>
public abstract class ListLimitedApp : CanopyApp
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
        [new("Canopy:Lists:Concurrency", "1"), new("Canopy:Lists:QueueLimit", "1")];
}

public sealed class ListLimitedSqliteApp : ListLimitedApp
{
    public override Db Db => Db.Sqlite;
}

public sealed class ListLimitedPostgresApp : ListLimitedApp
{
    public override Db Db => Db.Postgres;
}
