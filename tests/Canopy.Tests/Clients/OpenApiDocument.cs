using System.Diagnostics;
using System.Text.Json.Nodes;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Clients;

/// <summary>
/// The document client generators read: /openapi/v1.json as a running Canopy serves it, with its server address
/// normalised (it names whatever host served it) so that generated code does not depend on where a test ran.
/// </summary>
internal static class OpenApiDocument
{
    public const string StableServer = "https://canopy.invalid"; // a reserved name: the document describes whichever host serves it

    public static async Task<string> FetchAsync(CanopyApp app, CancellationToken ct)
    {
        var doc = await app.Anonymous().GetJsonAsync("/openapi/v1.json");
        doc["servers"] = new JsonArray(new JsonObject { ["url"] = StableServer });
        return doc.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>The repository's root (the folder holding Canopy.slnx).</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Canopy.slnx"))) return dir.FullName;
        throw new InvalidOperationException("Canopy.slnx not found above " + AppContext.BaseDirectory);
    }

    public static async Task<(int Code, string Output)> RunAsync(string file, string dir, CancellationToken ct, params string[] args)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}
