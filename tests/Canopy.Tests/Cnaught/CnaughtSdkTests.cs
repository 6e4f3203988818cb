using System.Net;
using System.Text.Json.Nodes;
using Canopy.Tests.Clients;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Cnaught;

/// <summary>
/// The official CNaught Node SDK 2.8.0, installed from npm and run with the machine's Node, drives a running
/// Canopy through every call an integration makes (Sdk/sdk-check.mjs lists and checks each step).
/// </summary>
public abstract class CnaughtSdkTests(CanopyApp app)
{
    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    [Fact]
    public async Task OfficialNodeSdkWorksUnmodified()
    {
        app.RequireAvailable();
        var ct = TestContext.Current.CancellationToken;
        var portfolio = await app.CreatePortfolioAsync(((await app.CreateProjectAsync(2_000))["id"]!.GetValue<string>(), 1m));
        var account = await app.CreateAccountAsync();
        await app.Admin().PatchJsonAsync($"/admin/accounts/{account.Id}", new { billing = "invoice", default_portfolio_id = portfolio["id"]!.GetValue<string>() });

        var sdkDir = Path.Combine(AppContext.BaseDirectory, "Sdk");
        await InstallAsync(sdkDir, ct);
        var (code, output) = await OpenApiDocument.RunAsync("node", sdkDir, ct, "sdk-check.mjs", app.ServerAddress!.Host, app.ServerAddress.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), account.LiveToken);

        var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
        Assert.True(code == 0, $"SDK check failed (exit {code}): {output}");
        var result = JsonNode.Parse(last)!;
        Assert.True(result["ok"]!.GetValue<bool>());
        var steps = result["steps"]!.AsArray().Select(s => s!.GetValue<string>()).ToList();
        Assert.Contains("place generic order", steps);
        Assert.Contains("place order by price", steps);
        Assert.Contains("place ride order", steps);
        Assert.Contains("cancel order", steps);
        Assert.Contains("update subaccount (full replace)", steps);
        Assert.Contains("impact data", steps);
        Assert.True(steps.Count >= 25, $"only {steps.Count} steps ran");
    }

    /// <summary>npm ci once per test run (both database variants share the folder).</summary>
    private static async Task InstallAsync(string dir, CancellationToken ct)
    {
        await InstallGate.WaitAsync(ct);
        try
        {
            if (File.Exists(Path.Combine(dir, "node_modules", "@cnaught", "cnaught-node-sdk", "package.json"))) return;
            var (code, output) = await OpenApiDocument.RunAsync("npm", dir, ct, "ci", "--no-audit", "--no-fund", "--loglevel=error");
            Assert.True(code == 0, $"npm ci failed: {output}");
        }
        finally
        {
            InstallGate.Release();
        }
    }
}

public sealed class CnaughtSdkTestsOnSqlite(SqliteServerApp app) : CnaughtSdkTests(app), IClassFixture<SqliteServerApp>;

public sealed class CnaughtSdkTestsOnPostgres(PostgresServerApp app) : CnaughtSdkTests(app), IClassFixture<PostgresServerApp>;
