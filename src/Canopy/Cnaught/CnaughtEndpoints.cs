namespace Canopy.Cnaught;

internal static class CnaughtEndpoints
{
    /// <summary>The CNaught dialect under /v1; every route needs a key.</summary>
    public static WebApplication MapCnaught(this WebApplication app)
    {
        var v1 = app.MapGroup("/v1").WithTags("CNaught dialect").AddEndpointFilter<CnaughtAuthFilter>()
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        v1.MapCnaughtCatalog();
        v1.MapCnaughtOrders();
        v1.MapCnaughtQuotes();
        v1.MapCnaughtSubaccounts();
        v1.MapCnaughtImpact();
        v1.MapCnaughtCheckout();
        app.MapSubaccountLogos();
        return app;
    }
}
