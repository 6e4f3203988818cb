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
        Announce(line);
    }

    /// <summary>
    /// The test command shows nothing a passing test host writes to its own output, so the line goes to the terminal the
    /// command runs in when there is one (and to standard error, which a failing run shows).
    /// </summary>
    private static void Announce(string line)
    {
        Console.Error.WriteLine(line);
        try
        {
            using var tty = new StreamWriter(new FileStream("/dev/tty", FileMode.Open, FileAccess.Write));
            tty.WriteLine(line);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // No terminal (CI): standard error only.
        }
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
