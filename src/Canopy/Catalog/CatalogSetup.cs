namespace Canopy.Catalog;

internal static class CatalogSetup
{
    /// <summary>The in-memory catalogue snapshot every order prices from.</summary>
    public static IServiceCollection AddCanopyCatalog(this IServiceCollection services)
    {
        services.AddSingleton<CatalogCache>();
        return services;
    }
}
