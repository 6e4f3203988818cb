namespace Canopy.Wren;

internal static class WrenEndpoints
{
    /// <summary>The Wren dialect under /api: public routes, then the routes that need a token.</summary>
    public static WebApplication MapWren(this WebApplication app)
    {
        var wren = app.MapGroup("/api").WithTags("Wren dialect");
        wren.MapWrenCatalog();
        wren.MapWrenPublicLists();
        var authed = wren.MapGroup("").AddEndpointFilter<WrenAuthFilter>();
        authed.MapGroup("").AddEndpointFilter<Canopy.Idempotency.IdempotencyFilter<WrenIdempotencyErrors>>().MapWrenOrders();
        authed.MapWrenLists();
        return app;
    }
}
