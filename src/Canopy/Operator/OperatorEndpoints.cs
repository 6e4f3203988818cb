namespace Canopy.Operator;

internal static class OperatorEndpoints
{
    /// <summary>The operator API under /admin (DESIGN §8), behind the admin key.</summary>
    public static WebApplication MapOperator(this WebApplication app)
    {
        var admin = app.MapGroup("/admin").AddEndpointFilter<AdminAuthFilter>()
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        admin.MapAccountAdmin();
        admin.MapCatalogAdmin();
        admin.MapPaymentAdmin();
        admin.MapInventoryAdmin();
        admin.MapOrderAdmin();
        admin.MapOutboxAdmin();
        admin.MapBillingAdmin();
        return app;
    }
}
