using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Canopy.Tests.Infrastructure;

/// <summary>
/// Canopy as a separate process (the build's Canopy.dll under <c>dotnet</c>) on a loopback port, for tests that kill
/// it (SIGKILL) and start it again on the same database.
/// </summary>
public sealed class CanopyProcess : IAsyncDisposable
{
    private readonly Process _process;

    private CanopyProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>What the process wrote to standard output so far (the first-start banner, for one).</summary>
    public string Output { get { lock (_output) return _output.ToString(); } }

    private readonly System.Text.StringBuilder _output = new();

    /// <summary>Starts Canopy with the given settings (as environment variables) and waits until /health/ready answers 200.</summary>
    public static async Task<CanopyProcess> StartAsync(IReadOnlyDictionary<string, string> settings, int port = 0)
    {
        if (port == 0) port = FreePort();
        var process = Process.Start(StartInfo(settings, port, [])) ?? throw new InvalidOperationException("Could not start Canopy.");
        var canopy = new CanopyProcess(process, new Uri($"http://127.0.0.1:{port}"));
        // Drain its output so that it never blocks on a full pipe.
        process.OutputDataReceived += (_, e) => { if (e.Data is { } line) lock (canopy._output) canopy._output.AppendLine(line); };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var client = new HttpClient { BaseAddress = canopy.Address, Timeout = TimeSpan.FromSeconds(5) };
        for (var attempt = 0; attempt < 600; attempt++)
        {
            if (process.HasExited) throw new InvalidOperationException($"Canopy exited with {process.ExitCode} while starting.");
            try
            {
                if ((await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK) return canopy;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(200);
        }
        await canopy.DisposeAsync();
        throw new InvalidOperationException("Canopy did not become ready.");
    }

    /// <summary>Runs <c>dotnet Canopy.dll</c> with the given arguments to its end; its exit code and standard output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(IReadOnlyDictionary<string, string> settings, params string[] args)
    {
        using var process = Process.Start(StartInfo(settings, FreePort(), args)) ?? throw new InvalidOperationException("Could not start Canopy.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("Canopy did not exit within 3 minutes.");
        }
        return (process.ExitCode, await output + await errors);
    }

    private static ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string> settings, int port, string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Canopy.dll");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetTempPath() };
        start.ArgumentList.Add(dll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in settings) start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        return start;
    }

    /// <summary>SIGKILL: no shutdown, no flushing, no finally blocks.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public HttpClient Client(string? bearer = null)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
        if (bearer is not null) client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
