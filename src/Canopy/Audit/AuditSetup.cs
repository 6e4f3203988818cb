namespace Canopy.Audit;

internal static class AuditSetup
{
    /// <summary>The ledger check and the gauges read from the database (outbox lag, fulfilment backlog).</summary>
    public static IServiceCollection AddCanopyAudit(this IServiceCollection services)
    {
        services.AddSingleton<OperationsMetrics>();
        services.AddHostedService(sp => sp.GetRequiredService<OperationsMetrics>());
        return services;
    }
}
