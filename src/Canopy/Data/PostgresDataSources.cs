using Npgsql;

namespace Canopy.Data;

/// <summary>
/// Builds the PostgreSQL data sources from the operator's connection strings: the one that writes (always a primary)
/// and the optional one for reads that may lag (standbys by preference). A string that names several hosts, or a
/// <c>Target Session Attributes</c>, gets Npgsql's multi-host data source, which knows which host is the primary and
/// follows a failover; Npgsql refuses that attribute on a multi-host builder, so it is taken out of the string and
/// applied with <see cref="NpgsqlMultiHostDataSource.WithTargetSession"/>.
/// </summary>
internal static class PostgresDataSources
{
    public const string ReadConnectionStringName = "CanopyRead";

    /// <summary>Npgsql's <c>Timeout</c> when the connection string does not set one.</summary>
    public const int DefaultConnectTimeoutSeconds = 5;

    private static readonly System.Text.RegularExpressions.Regex ConnectTimeoutSet =
        new(@"(^|;)\s*timeout\s*=", System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    /// <summary>
    /// The data source of writes, transactions, leases and migrations. A single host is used as given (as before read
    /// replicas existed); a list of hosts is narrowed to the primary, whatever order they are listed in.
    /// </summary>
    public static NpgsqlDataSource Primary(string connectionString)
    {
        var pg = WithDefaults(connectionString);
        var target = TakeTargetSession(pg, "ConnectionStrings:Canopy");
        if (target is not (null or TargetSessionAttributes.Primary or TargetSessionAttributes.ReadWrite))
            throw new InvalidOperationException(
                "ConnectionStrings:Canopy carries every write, so its Target Session Attributes must be primary or read-write (or absent); " +
                $"put standbys in ConnectionStrings:{ReadConnectionStringName} instead.");
        if (target is null && !IsMultiHost(pg)) return new NpgsqlDataSourceBuilder(pg.ConnectionString).Build();
        return new NpgsqlDataSourceBuilder(pg.ConnectionString).BuildMultiHost().WithTargetSession(target ?? TargetSessionAttributes.Primary);
    }

    /// <summary>
    /// The data source of reads that may lag: <c>prefer-standby</c> unless the string says otherwise, so that the reads
    /// fall back to the primary (when it is listed) while no standby is up.
    /// </summary>
    public static NpgsqlDataSource Reader(string connectionString)
    {
        var pg = WithDefaults(connectionString);
        var target = TakeTargetSession(pg, $"ConnectionStrings:{ReadConnectionStringName}");
        var builder = new NpgsqlDataSourceBuilder(pg.ConnectionString) { Name = "canopy-read" };
        if (target is null && !IsMultiHost(pg)) return builder.Build();
        return builder.BuildMultiHost().WithTargetSession(target ?? TargetSessionAttributes.PreferStandby);
    }

    private static NpgsqlConnectionStringBuilder WithDefaults(string connectionString)
    {
        var pg = new NpgsqlConnectionStringBuilder(connectionString);
        // Statements used often are prepared once per connection unless the operator's string says otherwise
        // (behind a PgBouncer older than 1.21 in transaction mode it must say Max Auto Prepare=0: docs/deployment.md).
        if (!connectionString.Contains("Max Auto Prepare", StringComparison.OrdinalIgnoreCase)) pg.MaxAutoPrepare = 64;
        // How long a request may wait for a connection (to open one, or for a busy pool to free one) before it is
        // answered 503: 5 s instead of Npgsql's 15, so an unreachable server or an exhausted pool sheds load quickly.
        // Statements keep Npgsql's Command Timeout (30 s). docs/deployment.md states both bounds.
        if (!ConnectTimeoutSet.IsMatch(connectionString)) pg.Timeout = DefaultConnectTimeoutSeconds;
        return pg;
    }

    private static bool IsMultiHost(NpgsqlConnectionStringBuilder pg) => pg.Host?.Contains(',', StringComparison.Ordinal) == true;

    private static TargetSessionAttributes? TakeTargetSession(NpgsqlConnectionStringBuilder pg, string setting)
    {
        var text = pg.TargetSessionAttributes;
        if (string.IsNullOrWhiteSpace(text)) return null;
        pg.TargetSessionAttributes = null;
        return text.Trim().ToLowerInvariant() switch
        {
            "any" => TargetSessionAttributes.Any,
            "primary" => TargetSessionAttributes.Primary,
            "standby" => TargetSessionAttributes.Standby,
            "prefer-primary" => TargetSessionAttributes.PreferPrimary,
            "prefer-standby" => TargetSessionAttributes.PreferStandby,
            "read-write" => TargetSessionAttributes.ReadWrite,
            "read-only" => TargetSessionAttributes.ReadOnly,
            _ => throw new InvalidOperationException($"{setting}: unknown Target Session Attributes '{text}'."),
        };
    }
}
