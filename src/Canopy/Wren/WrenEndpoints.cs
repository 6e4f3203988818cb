using Canopy.Web;

namespace Canopy.Wren;

internal static class WrenEndpoints
{
    public static IServiceCollection AddWrenDialect(this IServiceCollection services) =>
        services.AddSingleton<ISurfaceErrors, WrenSurfaceErrors>();

    /// <summary>The Wren dialect under /api: public routes, then the routes that need a token.</summary>
    public static WebApplication MapWren(this WebApplication app)
    {
        var wren = app.MapGroup("/api").WithTags("Wren dialect");
        wren.MapWrenCatalog();
        wren.MapWrenPublicLists();
        var authed = wren.MapGroup("").AddEndpointFilter<WrenAuthFilter>()
            .ProducesFor<WrenMessage>(StatusCodes.Status403Forbidden)
            .ProducesFor<WrenMessage>(StatusCodes.Status429TooManyRequests);
        authed.MapGroup("")
            .ProducesFor<WrenMessage>(StatusCodes.Status409Conflict).ProducesFor<WrenMessage>(StatusCodes.Status413PayloadTooLarge)
            .ProducesFor<WrenMessage>(StatusCodes.Status422UnprocessableEntity)
            .MapWrenOrders();
        authed.MapWrenLists();
        authed.MapWrenCertificates();
        return app;
    }
}
