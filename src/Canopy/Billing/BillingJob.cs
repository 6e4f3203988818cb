using Microsoft.Extensions.Options;

namespace Canopy.Billing;

/// <summary>Runs finished months' billing on every node where <c>Billing:JobEnabled</c> (the default); each month runs once overall.</summary>
internal sealed class BillingJob(IServiceScopeFactory scopes, IOptions<BillingOptions> options, TimeProvider time, ILogger<BillingJob> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.JobEnabled) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<BillingService>().RunDueAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Monthly billing pass failed; retrying after the poll interval");
            }
            try
            {
                await Task.Delay(TimeSpan.FromMinutes(Math.Max(1, options.Value.PollMinutes)), time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
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
