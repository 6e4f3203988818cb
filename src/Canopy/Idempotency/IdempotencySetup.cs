namespace Canopy.Idempotency;

internal static class IdempotencySetup
{
    /// <summary>Idempotency claims and stored answers, and the worker that removes expired records.</summary>
    public static IServiceCollection AddCanopyIdempotency(this IServiceCollection services)
    {
        services.AddScoped<IdempotencyStore>();
        services.AddSingleton<IdempotencyCleanup>();
        services.AddHostedService(sp => sp.GetRequiredService<IdempotencyCleanup>());
        return services;
    }
}
