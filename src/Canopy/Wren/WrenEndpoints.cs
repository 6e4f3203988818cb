using Canopy.Kernel;
using Canopy.Platform;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Canopy.Wren;

internal static class WrenEndpoints
{
    public static IServiceCollection AddWrenDialect(this IServiceCollection services) =>
        services.AddSingleton<ISurfaceErrors, WrenSurfaceErrors>()
            .AddSingleton(new TagDescription(Tag, "Wren's API under /api: offset, project and tree orders; errors are {\"message\": …}."))
            .Configure<OpenApiOptions>("v1", o => o.AddDocumentTransformer((doc, _, _) =>
            {
                doc.Components ??= new OpenApiComponents();
                doc.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
                doc.Components.SecuritySchemes[BasicScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http, Scheme = "basic",
                    Description = "Wren: the API token as user name and an empty password (curl -u \"$TOKEN:\").",
                };
                return Task.CompletedTask;
            }));

    private const string Tag = "Wren dialect";
    private const string BasicScheme = "wrenBasic";

    /// <summary>The Wren dialect under /api: public routes, then the routes that need a token.</summary>
    public static WebApplication MapWren(this WebApplication app)
    {
        var wren = app.MapGroup("/api").WithTags(Tag).RequireTokenRateLimit().AcceptIdempotencyKeyOnPosts()
            .DeclareUnsupportedMediaTypeLike(StatusCodes.Status400BadRequest);
        wren.MapWrenCatalog();
        wren.MapWrenPublicLists();
        var authed = wren.MapGroup("").AddEndpointFilter<WrenAuthFilter>().DeclareCredentials("bearer", BasicScheme)
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
