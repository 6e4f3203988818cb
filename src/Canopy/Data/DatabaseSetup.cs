using Canopy.Accounts;
using Canopy.Ordering;
using Microsoft.Data.Sqlite;
using Npgsql;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace Canopy.Data;

internal static class DatabaseSetup
{
    /// <summary>
    /// Registers the context for <c>Database:Provider</c> (sqlite | postgres) and <c>ConnectionStrings:Canopy</c>,
    /// and exposes it as <see cref="CanopyDbContext"/> so that no feature knows which provider runs; plus the
    /// <see cref="Reads.MayLag"/> context (and data source) on <c>ConnectionStrings:CanopyRead</c>'s standbys, or on the
    /// same database when that is not set.
    /// </summary>
    public static IServiceCollection AddCanopyData(this IServiceCollection services, IConfiguration config)
    {
        var provider = (config["Database:Provider"] ?? "sqlite").Trim().ToLowerInvariant();
        var connectionString = config.GetConnectionString("Canopy");
        switch (provider)
        {
            case "sqlite":
                var sqlite = new SqliteConnectionStringBuilder(connectionString ?? "Data Source=canopy.db")
                {
                    // Writers queue for up to 30 s instead of failing with SQLITE_BUSY.
                    DefaultTimeout = 30,
                    Pooling = true,
                };
                services.AddDbContextPool<SqliteCanopyDbContext>((sp, o) => ConfigureSqlite(o, sqlite.ConnectionString).AddInterceptors(sp.GetServices<Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor>()));
                services.AddScoped<CanopyDbContext>(sp => sp.GetRequiredService<SqliteCanopyDbContext>());
                // SQLite's durability for orders: FULL syncs the WAL at every (group) commit; NORMAL may lose the last
                // commits on power loss (never corrupts). See docs/deployment.md.
                var synchronous = (config["Database:SqliteSynchronous"] ?? "FULL").Trim().ToUpperInvariant();
                if (synchronous is not ("FULL" or "NORMAL" or "EXTRA"))
                    throw new InvalidOperationException($"Database:SqliteSynchronous must be FULL, NORMAL or EXTRA, not '{synchronous}'.");
                services.AddSingleton<IOrderStore>(sp => new SqliteOrderStore(sqlite.ConnectionString, synchronous, sp.GetRequiredService<ILogger<SqliteOrderStore>>()));
                if (!string.IsNullOrWhiteSpace(config.GetConnectionString(PostgresDataSources.ReadConnectionStringName)))
                    throw new InvalidOperationException($"ConnectionStrings:{PostgresDataSources.ReadConnectionStringName} (read replicas) needs Database:Provider postgres.");
                // One file, one process: every read is current.
                services.AddKeyedScoped<CanopyDbContext>(Reads.MayLag, (sp, _) => sp.GetRequiredService<CanopyDbContext>());
                break;
            case "postgres" or "postgresql":
                if (string.IsNullOrWhiteSpace(connectionString))
                    throw new InvalidOperationException("Database:Provider is postgres but ConnectionStrings:Canopy is not set.");
                // One pool for EF Core and the order batch, on the primary.
                services.AddSingleton(_ => PostgresDataSources.Primary(connectionString));
                services.AddDbContextPool<PostgresCanopyDbContext>((sp, o) => ConfigurePostgres(o, sp.GetRequiredService<NpgsqlDataSource>()).AddInterceptors(sp.GetServices<Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor>()));
                services.AddScoped<CanopyDbContext>(sp => sp.GetRequiredService<PostgresCanopyDbContext>());
                services.AddSingleton<IOrderStore, PostgresOrderStore>();
                AddPostgresReads(services, config.GetConnectionString(PostgresDataSources.ReadConnectionStringName));
                break;
            default:
                throw new InvalidOperationException($"Database:Provider must be 'sqlite' or 'postgres', not '{provider}'.");
        }
        services.AddHealthChecks().AddDbContextCheck<CanopyDbContext>("database", tags: ["ready"]);
        services.AddHostedService<StartupTasks>();
        return services;
    }

    /// <summary>
    /// The <see cref="Reads.MayLag"/> services. With a read connection string: their own data source (standbys
    /// preferred) and a pool of no-tracking contexts on it; without: the primary's data source and the request's context.
    /// </summary>
    private static void AddPostgresReads(IServiceCollection services, string? readConnectionString)
    {
        if (string.IsNullOrWhiteSpace(readConnectionString))
        {
            services.AddKeyedSingleton<NpgsqlDataSource>(Reads.MayLag, (sp, _) => sp.GetRequiredService<NpgsqlDataSource>());
            services.AddKeyedScoped<CanopyDbContext>(Reads.MayLag, (sp, _) => sp.GetRequiredService<CanopyDbContext>());
            return;
        }
        services.AddKeyedSingleton(Reads.MayLag, (_, _) => PostgresDataSources.Reader(readConnectionString));
        services.AddKeyedSingleton<IDbContextFactory<PostgresCanopyDbContext>>(Reads.MayLag, (sp, _) =>
        {
            var options = ConfigurePostgres(new DbContextOptionsBuilder<PostgresCanopyDbContext>(), sp.GetRequiredKeyedService<NpgsqlDataSource>(Reads.MayLag))
                .UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking)
                .AddInterceptors(sp.GetServices<Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor>());
            return new PooledDbContextFactory<PostgresCanopyDbContext>(((DbContextOptionsBuilder<PostgresCanopyDbContext>)options).Options);
        });
        // Disposed with the request's scope, which returns it to the pool.
        services.AddKeyedScoped<CanopyDbContext>(Reads.MayLag, (sp, key) => sp.GetRequiredKeyedService<IDbContextFactory<PostgresCanopyDbContext>>(key).CreateDbContext());
    }

    public static DbContextOptionsBuilder ConfigureSqlite(DbContextOptionsBuilder o, string connectionString) =>
        o.UseSqlite(connectionString, x => x.MigrationsHistoryTable("__ef_migrations"))
         .UseSnakeCaseNamingConvention();

    public static DbContextOptionsBuilder ConfigurePostgres(DbContextOptionsBuilder o, string connectionString) =>
        o.UseNpgsql(connectionString, x => x.MigrationsHistoryTable("__ef_migrations"))
         .UseSnakeCaseNamingConvention();

    public static DbContextOptionsBuilder ConfigurePostgres(DbContextOptionsBuilder o, NpgsqlDataSource dataSource) =>
        o.UseNpgsql(dataSource, x => x.MigrationsHistoryTable("__ef_migrations"))
         .UseSnakeCaseNamingConvention();

    /// <summary>Applies pending migrations; on SQLite also switches to WAL so readers never block the writer.</summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        await db.Database.MigrateAsync(ct);
        if (!db.IsPostgres) await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
    }
}

/// <summary>Lets <c>dotnet ef migrations add … --context SqliteCanopyDbContext</c> build the SQLite model.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteCanopyDbContext>
{
    public SqliteCanopyDbContext CreateDbContext(string[] args) =>
        new((DbContextOptions<SqliteCanopyDbContext>)DatabaseSetup.ConfigureSqlite(new DbContextOptionsBuilder<SqliteCanopyDbContext>(), "Data Source=design.db").Options);
}

/// <summary>Lets <c>dotnet ef migrations add … --context PostgresCanopyDbContext</c> build the PostgreSQL model (no server needed).</summary>
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresCanopyDbContext>
{
    public PostgresCanopyDbContext CreateDbContext(string[] args) =>
        new((DbContextOptions<PostgresCanopyDbContext>)DatabaseSetup.ConfigurePostgres(new DbContextOptionsBuilder<PostgresCanopyDbContext>(), "Host=localhost;Database=canopy_design").Options);
}
