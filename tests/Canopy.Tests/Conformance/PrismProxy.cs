using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Canopy.Tests.Clients;

namespace Canopy.Tests.Conformance;

/// <summary>
/// Stoplight Prism's validating proxy (<c>prism proxy DOC UPSTREAM --errors=false</c>) in front of a running Canopy:
/// it forwards every request unchanged and logs a <c>Violation: response…</c> line for each answer the document does
/// not describe (an undeclared status, a missing required field, a wrong type…). Installed from npm (Conformance/package.json).
/// </summary>
internal sealed class PrismProxy : IAsyncDisposable
{
    private static readonly SemaphoreSlim InstallGate = new(1, 1);
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private PrismProxy(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>npm ci once per test run (both database variants share the folder).</summary>
    public static async Task InstallAsync(string dir, CancellationToken ct)
    {
        await InstallGate.WaitAsync(ct);
        try
        {
            if (File.Exists(Path.Combine(dir, "node_modules", "@stoplight", "prism-cli", "package.json"))) return;
            var (code, output) = await OpenApiDocument.RunAsync("npm", dir, ct, "ci", "--no-audit", "--no-fund", "--loglevel=error");
            Assert.True(code == 0, $"npm ci failed: {output}");
        }
        finally
        {
            InstallGate.Release();
        }
    }

    public static async Task<PrismProxy> StartAsync(string dir, string documentFile, Uri upstream, CancellationToken ct)
    {
        var port = FreePort();
        var start = new ProcessStartInfo(Path.Combine(dir, "node_modules", ".bin", "prism"))
        {
            WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "proxy", documentFile, upstream.ToString().TrimEnd('/'), "-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--errors=false" })
            start.ArgumentList.Add(a);
        start.Environment["NO_COLOR"] = "1";
        start.Environment["FORCE_COLOR"] = "0";
        var process = Process.Start(start)!;
        var prism = new PrismProxy(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => prism.Append(e.Data);
        process.ErrorDataReceived += (_, e) => prism.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!await prism.WaitForAsync(o => o.Contains("Prism is listening", StringComparison.Ordinal), TimeSpan.FromSeconds(90), ct))
        {
            await prism.DisposeAsync();
            Assert.Fail("Prism did not start: " + prism.Output);
        }
        return prism;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    /// <summary>Waits (bounded) until the log satisfies <paramref name="condition"/>; false when Prism exited or the bound passed.</summary>
    public async Task<bool> WaitForAsync(Func<string, bool> condition, TimeSpan bound, CancellationToken ct)
    {
        var until = DateTime.UtcNow + bound;
        while (DateTime.UtcNow < until)
        {
            if (condition(Output)) return true;
            if (_process.HasExited) return condition(Output);
            await Task.Delay(100, ct);
        }
        return condition(Output);
    }

    /// <summary>Each response violation with the request it is about (Prism logs them after the request's own lines).</summary>
    public static List<string> ResponseViolations(string output)
    {
        var found = new List<string>();
        var request = "";
        foreach (var line in output.Split('\n'))
        {
            var server = line.IndexOf("[HTTP SERVER] ", StringComparison.Ordinal);
            if (server >= 0 && line.Contains("Request received", StringComparison.Ordinal))
                request = line[(server + 14)..line.IndexOf(" ℹ", server, StringComparison.Ordinal)].Trim();
            var violation = line.IndexOf("Violation: response", StringComparison.Ordinal);
            if (violation >= 0) found.Add($"{request}: {line[violation..].Trim()}");
        }
        return found;
    }

    /// <summary>How many requests Prism received.</summary>
    public static int Received(string output) =>
        output.Split('\n').Count(l => l.Contains("[HTTP SERVER] ", StringComparison.Ordinal) && l.Contains("Request received", StringComparison.Ordinal));

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }
        _process.Dispose();
    }
}
