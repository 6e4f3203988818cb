[assembly: AssemblyFixture(typeof(Canopy.Tests.Infrastructure.TestPostgres))]

namespace Canopy.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL server the PostgreSQL variants run on: the one named by CANOPY_TEST_POSTGRES when it is set;
/// otherwise, when PostgreSQL's server binaries are installed (<c>/usr/lib/postgresql/*/bin</c>), a throwaway cluster
/// started for this run (<see cref="PostgresCluster"/>), announced in one line, stopped and deleted at the end of the
/// run. Without either, the PostgreSQL variants are skipped.
/// </summary>
public sealed class TestPostgres : IAsyncLifetime
{
    private PostgresCluster? _cluster;

    public async ValueTask InitializeAsync()
    {
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(CanopyApp.PostgresVariable))) return;
        if (PostgresCluster.ServerBinaries() is null) return;
        _cluster = await PostgresCluster.StartAsync();
        Environment.SetEnvironmentVariable(CanopyApp.PostgresVariable, _cluster.ConnectionString);
        // If the run is cut short, still stop the server.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => _cluster?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        var line = $"{CanopyApp.PostgresVariable} is not set: the PostgreSQL tests run on a throwaway cluster started for this run on port {_cluster.Port} (stopped at the end).";
        Console.Error.WriteLine(line);
        Console.WriteLine(line);
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is { } c)
        {
            _cluster = null;
            await c.DisposeAsync();
        }
    }
}
