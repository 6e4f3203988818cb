namespace Canopy.Impact;

internal static class ImpactSetup
{
    /// <summary>Impact figures per account and the cached public feed; the equivalents' factors from configuration.</summary>
    public static IServiceCollection AddCanopyImpact(this IServiceCollection services, IConfiguration config)
    {
        services.Configure<EquivalenceFactors>(config.GetSection("Canopy:Impact:Equivalents"));
        services.AddScoped<ImpactService>();
        services.AddSingleton<PublicFeed>();
        return services;
    }
}
