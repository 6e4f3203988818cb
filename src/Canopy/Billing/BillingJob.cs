using Canopy.Kernel;
using Microsoft.Extensions.Options;

namespace Canopy.Billing;

/// <summary>Runs finished months' billing on every node where <c>Billing:JobEnabled</c> (the default); each month runs once overall.</summary>
internal sealed class BillingJob(IServiceScopeFactory scopes, IOptions<BillingOptions> options, TimeProvider time, ILogger<BillingJob> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.JobEnabled
            ? PeriodicWork.RunAsync("Monthly billing", async ct =>
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<BillingService>().RunDueAsync(ct);
                return false;
            }, () => TimeSpan.FromMinutes(Math.Max(1, options.Value.PollMinutes)), time, logger, stoppingToken)
            : Task.CompletedTask;
}

internal static class BillingSetup
{
    public static IServiceCollection AddCanopyBilling(this IServiceCollection services, IConfiguration config)
    {
        services.Configure<BillingOptions>(config.GetSection("Billing"));
        services.AddScoped<BillingService>();
        services.AddHostedService<BillingJob>();
        return services;
    }
}
