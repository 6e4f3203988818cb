

using Canopy.Accounts;

namespace Canopy.Data;

/// <summary>
/// Runs before the server accepts requests: migrations, the operator key, the demo seed, all under the
/// <see cref="StartupLock"/> so that nodes starting together take turns. New secrets are written to standard output
/// once, never to the log. The <c>migrate</c> command runs the same work and exits (<see cref="RunOnceAsync"/>).
/// </summary>
internal sealed class StartupTasks(IServiceProvider services, IConfiguration config, AdminKey adminKey, ILogger<StartupTasks> logger) : IHostedLifecycleService
{
    /// <summary><c>dotnet Canopy.dll migrate</c>: the start-up work without serving.</summary>
    public static Task RunOnceAsync(IServiceProvider services) =>
        ActivatorUtilities.CreateInstance<StartupTasks>(services).StartingAsync(CancellationToken.None);

    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        string? generatedAdminKey;
        DemoSeeder.DemoSecrets? demo = null;
        await using (await StartupLock.AcquireAsync(config, cancellationToken))
        {
            await DatabaseSetup.MigrateAsync(services, cancellationToken);
            logger.LogInformation("Database ready ({Provider})", config["Database:Provider"] ?? "sqlite");

            await using (var scope = services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
                generatedAdminKey = await adminKey.InitialiseAsync(config, db, cancellationToken);
            }

            if (config.GetValue("Canopy:SeedDemo", true))
                demo = await DemoSeeder.SeedAsync(services, cancellationToken);
        }

        if (generatedAdminKey is null && demo is null) return;
        var lines = new List<string> { "", "==================== Canopy: first start ====================" };
        if (generatedAdminKey is not null)
            lines.Add($"  Operator API key (Authorization: Bearer …): {generatedAdminKey}");
        if (demo is not null)
        {
            lines.Add($"  Demo account id {demo.AccountId}, with 500.00 USD of credits");
            lines.Add($"  Demo live token: {demo.LiveToken}");
            lines.Add($"  Demo test token: {demo.TestToken}");
        }
        lines.Add("  These secrets are shown once; only their hashes are stored.");
        lines.Add("==============================================================");
        lines.Add("");
        await Console.Out.WriteLineAsync(string.Join(Environment.NewLine, lines));
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
