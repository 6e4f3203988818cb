using Canopy.Data;
using Microsoft.Extensions.Configuration;

namespace Canopy.Tests.Unit;

/// <summary>Connection strings that would send writes to a standby, or reads nowhere, stop the start instead.</summary>
public sealed class ReadReplicaSettingsTests
{
    [Theory]
    [InlineData("prefer-standby")]
    [InlineData("standby")]
    [InlineData("any")]
    public void TheWriteConnectionStringMustTargetThePrimary(string target)
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            PostgresDataSources.Primary($"Host=db1,db2;Username=canopy;Database=canopy;Target Session Attributes={target}"));
        Assert.Contains("ConnectionStrings:CanopyRead", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Host=db1,db2;Username=canopy;Database=canopy")]
    [InlineData("Host=db1,db2;Username=canopy;Database=canopy;Target Session Attributes=primary")]
    [InlineData("Host=db1;Username=canopy;Database=canopy")]
    public void AWriteConnectionStringForThePrimaryBuilds(string connectionString)
    {
        // Npgsql itself refuses Target Session Attributes on a multi-host data source; Canopy applies it instead.
        using var source = PostgresDataSources.Primary(connectionString);
        Assert.NotNull(source);
    }

    [Theory]
    [InlineData("Host=db1;Username=canopy;Database=canopy", 5, 30)]
    [InlineData("Host=db1;Username=canopy;Database=canopy;Command Timeout=60", 5, 60)]
    [InlineData("Host=db1;Username=canopy;Database=canopy;Timeout=20", 20, 30)]
    [InlineData("Host=db1,db2;Username=canopy;Database=canopy; timeout = 2", 2, 30)]
    public void AConnectionWaitsFiveSecondsUnlessTheStringSaysOtherwise(string connectionString, int timeout, int commandTimeout)
    {
        foreach (var source in new[] { PostgresDataSources.Primary(connectionString), PostgresDataSources.Reader(connectionString) })
        {
            using (source)
            {
                var built = new Npgsql.NpgsqlConnectionStringBuilder(source.ConnectionString);
                Assert.Equal((timeout, commandTimeout), (built.Timeout, built.CommandTimeout));
            }
        }
    }

    [Fact]
    public void ReadReplicasNeedPostgres()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:Provider"] = "sqlite",
            ["ConnectionStrings:CanopyRead"] = "Host=standby1;Database=canopy",
        }).Build();
        var error = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddCanopyData(config));
        Assert.Contains("postgres", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AReadCancelledByReplayOnAStandbyCountsAsTheDatabaseBeingUnavailable()
    {
        // What a hot standby raises when WAL replay needs rows a running query still reads: 503 and Retry-After, not 500.
        var conflict = new Npgsql.PostgresException("canceling statement due to conflict with recovery", "ERROR", "ERROR", "40001");
        Assert.True(Canopy.Platform.DatabaseUnavailableHandler.IsUnavailable(new InvalidOperationException("query failed", conflict)));
    }
}
