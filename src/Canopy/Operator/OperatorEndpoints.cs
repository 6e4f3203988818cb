using Canopy.Platform;

namespace Canopy.Operator;

internal static class OperatorEndpoints
{
    /// <summary>The operator API's errors raised outside its handlers are problem details; its tags' descriptions.</summary>
    public static IServiceCollection AddOperatorApi(this IServiceCollection services) =>
        services.AddSingleton<ISurfaceErrors, OperatorSurfaceErrors>()
            .AddSingleton(new TagDescription("Operator: accounts", "Accounts, users, tokens, credits and callback secrets (admin key)."))
            .AddSingleton(new TagDescription("Operator: catalogue", "Project categories, projects with their profiles, and portfolios (admin key)."))
            .AddSingleton(new TagDescription("Operator: inventory", "Credit batches per project and vintage (admin key)."))
            .AddSingleton(new TagDescription("Operator: ledger", "The ledger's consistency check (admin key)."))
            .AddSingleton(new TagDescription("Operator: payments", "Cards on file and exchange rates (admin key)."))
            .AddSingleton(new TagDescription("Operator: orders", "Orders with allocations, retirements, ledger and outbox (admin key)."));

    /// <summary>The operator API under /admin (DESIGN §8), behind the admin key.</summary>
    public static WebApplication MapOperator(this WebApplication app)
    {
        var admin = app.MapGroup("/admin").AddEndpointFilter<AdminAuthFilter>().DeclareCredentials("bearer")
            .DeclareUnsupportedMediaTypeLike(StatusCodes.Status401Unauthorized)
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

/// <summary>The operator API words errors raised outside its handlers as RFC 9457 problem details.</summary>
internal sealed class OperatorSurfaceErrors : ISurfaceErrors
{
    public PathString BasePath => "/admin";

    public IResult Invalid(FieldErrors errors) => ProblemErrors.Invalid(errors);

    public IResult Status(int status, string message) => ProblemErrors.Status(status, message);
}
