namespace Canopy.Catalog;

internal static class CatalogSetup
{
    /// <summary>The in-memory catalogue snapshot every order prices from, and the catalogue's writes.</summary>
    public static IServiceCollection AddCanopyCatalog(this IServiceCollection services)
    {
        services.AddSingleton<CatalogCache>();
        services.AddScoped<CatalogWrites>();
        return services;
    }
}
