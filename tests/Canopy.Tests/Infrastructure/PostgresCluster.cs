using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Canopy.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster in a temp directory, run as user <c>postgres</c> when the tests run as root (the
/// server refuses root). Started, stopped and started again on the same port (outage tests), deleted on dispose.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _root;
    private readonly bool _asRoot = Environment.UserName == "root";

    private PostgresCluster(string bin, string root, int port)
    {
        _bin = bin;
        _root = root;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres";

    public bool Running { get; private set; }

    /// <summary>The newest installed PostgreSQL's bin directory with initdb and pg_ctl, if any.</summary>
    public static string? ServerBinaries()
    {
        const string Base = "/usr/lib/postgresql";
        if (!Directory.Exists(Base)) return null;
        return Directory.GetDirectories(Base)
            .Select(d => (Dir: Path.Combine(d, "bin"), Version: decimal.TryParse(Path.GetFileName(d), NumberStyles.Number, CultureInfo.InvariantCulture, out var v) ? v : 0))
            .Where(x => File.Exists(Path.Combine(x.Dir, "initdb")) && File.Exists(Path.Combine(x.Dir, "pg_ctl")))
            .OrderByDescending(x => x.Version).Select(x => x.Dir).FirstOrDefault();
    }

    /// <summary>Initialises and starts a cluster on a free port (from <paramref name="firstPort"/> up, or any when 0).</summary>
    public static async Task<PostgresCluster> StartAsync(int firstPort = 0)
    {
        var bin = ServerBinaries() ?? throw new InvalidOperationException("PostgreSQL's server binaries are not installed.");
        var root = Directory.CreateTempSubdirectory("canopy-test-pg-").FullName;
        var asRoot = Environment.UserName == "root";
        if (asRoot) await RunAsync("chown", "postgres:postgres", root);
        var probe = new PostgresCluster(bin, root, 0);
        await probe.RunPgAsync("initdb", "-D", probe.Data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync");
        for (var attempt = 0; ; attempt++)
        {
            var cluster = new PostgresCluster(bin, root, firstPort > 0 ? FirstFree(firstPort + attempt) : FreePort());
            try
            {
                await cluster.StartAsync();
                return cluster;
            }
            catch (InvalidOperationException) when (attempt < 9)
            {
                // The port was taken between choosing it and starting: choose again.
            }
        }
    }

    /// <summary>
    /// A hot standby of this (running) cluster, streaming from it, started on a free port (from
    /// <paramref name="firstPort"/> up): <c>pg_basebackup -R</c> copies the data directory and writes the replication
    /// settings; PostgreSQL's defaults (<c>wal_level=replica</c>, <c>hot_standby=on</c>, replication allowed from
    /// 127.0.0.1 under trust) need no change.
    /// </summary>
    public async Task<PostgresCluster> StartStandbyAsync(int firstPort)
    {
        var root = Directory.CreateTempSubdirectory("canopy-test-pg-standby-").FullName;
        if (_asRoot) await RunAsync("chown", "postgres:postgres", root);
        var standby = new PostgresCluster(_bin, root, FirstFree(firstPort));
        try
        {
            await standby.RunPgAsync("pg_basebackup", "-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres",
                "-D", standby.Data, "-R", "-X", "stream", "-c", "fast", "--no-sync");
            await standby.StartAsync();
            return standby;
        }
        catch
        {
            await standby.DisposeAsync();
            throw;
        }
    }

    /// <summary>Whether <c>pg_basebackup</c> is installed next to the server (for <see cref="StartStandbyAsync"/>).</summary>
    public static bool CanMakeStandbys => ServerBinaries() is { } bin && File.Exists(Path.Combine(bin, "pg_basebackup"));

    public async Task StartAsync()
    {
        await RunPgAsync("pg_ctl", "-D", Data, "-l", Path.Combine(_root, "pg.log"), "-w", "-t", "60", "-o",
            $"-p {Port} -k {_root} -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off", "start");
        Running = true;
    }

    /// <summary>Stops the server at once (connections are cut, as in a crash or a failover).</summary>
    public async Task StopAsync()
    {
        Running = false;
        await RunPgAsync("pg_ctl", "-D", Data, "-m", "immediate", "-w", "stop");
    }

    public async ValueTask DisposeAsync()
    {
        if (Running)
        {
            try { await StopAsync(); } catch (InvalidOperationException) { }
        }
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private string Data => Path.Combine(_root, "data");

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static int FirstFree(int from)
    {
        for (var port = from; port < from + 100; port++)
        {
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }
        return FreePort();
    }

    private Task RunPgAsync(string tool, params string[] args) =>
        _asRoot ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(_bin, tool), .. args]) : RunAsync(Path.Combine(_bin, tool), args);

    private static async Task RunAsync(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}: {await stderr}{await stdout}");
    }
}
