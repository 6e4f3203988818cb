using Canopy.Kernel;
using Canopy.Platform;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Canopy.Cnaught;

/// <summary>
/// Every CNaught error as the SDKs parse it (application/problem+json): <c>type</c> is one of CNaught's error URIs
/// (https://api.cnaught.com/v1/errors/…, or RFC 9110's for 401); <c>errors</c> maps fields to messages on invalid-parameters.
/// </summary>
public sealed record CnaughtProblem(
    string Type,
    string Title, int Status, string? Detail, IReadOnlyDictionary<string, string[]>? Errors, string TraceId);

internal static class CnaughtEndpoints
{
    public static IServiceCollection AddCnaughtDialect(this IServiceCollection services) =>
        services.AddSingleton<Canopy.Platform.ISurfaceErrors, CnaughtSurfaceErrors>()
            .AddSingleton<Canopy.Fulfilment.IOrderCallbackBody, CnaughtCallbackBody>()
            .AddSingleton(new TagDescription(Tag, "CNaught's API under /v1 (official SDKs 2.8 and 3.x); errors are application/problem+json with CNaught's types."))
            // distance_km is only on ride orders: present there, omitted elsewhere.
            .Configure<OpenApiOptions>("v1", o => o.AddSchemaTransformer((schema, context, _) =>
            {
                if (context.JsonTypeInfo.Type == typeof(CnaughtOrder)) schema.Required?.Remove("distance_km");
                return Task.CompletedTask;
            }));

    /// <summary>The CNaught dialect under /v1; every route needs a key.</summary>
    public static WebApplication MapCnaught(this WebApplication app)
    {
        var v1 = app.MapGroup("/v1").WithTags(Tag).AddEndpointFilter<CnaughtAuthFilter>()
            .DeclareCredentials("bearer").RequireTokenRateLimit().AcceptIdempotencyKeyOnPosts().AddOpenApiOperationTransformer(DescribeHeaders)
            .DeclareUnsupportedMediaTypeLike(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .AddOpenApiOperationTransformer(DescribeProblems);
        v1.MapCnaughtCatalog();
        v1.MapCnaughtOrders();
        v1.MapCnaughtQuotes();
        v1.MapCnaughtSubaccounts();
        v1.MapCnaughtImpact();
        v1.MapCnaughtCheckout();
        app.MapSubaccountLogos();
        return app;
    }

    private const string Tag = "CNaught dialect";

    /// <summary>What handlers read by hand: the subaccount header, cursor pages, the impact data's dates.</summary>
    private static Task DescribeHeaders(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var path = "/" + (context.Description.RelativePath ?? "").Trim('/');
        var method = context.Description.HttpMethod ?? "";
        if (path.StartsWith("/v1/orders", StringComparison.Ordinal) || path.StartsWith("/v1/quotes", StringComparison.Ordinal)
            || path.StartsWith("/v1/impact", StringComparison.Ordinal))
            OpenApiConventions.AddParameter(operation, "X-Subaccount-Id", ParameterLocation.Header, "Act for this subaccount of the account (400 invalid-subaccount if it is not one).");
        if (method == "GET" && path is "/v1/orders" or "/v1/subaccounts")
        {
            OpenApiConventions.AddParameter(operation, "limit", ParameterLocation.Query, "Page size, 1–100 (default 20).", JsonSchemaType.Integer);
            OpenApiConventions.AddParameter(operation, "starting_after", ParameterLocation.Query, "Id of the item after which the page starts (older items).");
            OpenApiConventions.AddParameter(operation, "ending_before", ParameterLocation.Query, "Id of the item before which the page ends (newer items); not with starting_after.");
        }
        if (method == "GET" && path == "/v1/impact/data")
        {
            OpenApiConventions.AddParameter(operation, "from", ParameterLocation.Query, "Only orders placed at or after this ISO 8601 date or date-time.", format: "date-time");
            OpenApiConventions.AddParameter(operation, "to", ParameterLocation.Query, "Only orders placed before this ISO 8601 date or date-time.", format: "date-time");
        }
        return Task.CompletedTask;
    }

    /// <summary>Every error response of the dialect carries CNaught's problem shape, not the generic one.</summary>
    private static async Task DescribeProblems(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var document = context.Document!;
        foreach (var (_, response) in operation.Responses ?? [])
        {
            if (response.Content is null || !response.Content.TryGetValue("application/problem+json", out var media)) continue;
            // One shared component, so that generated clients get one error type for the whole dialect.
            if (document.Components?.Schemas?.ContainsKey(nameof(CnaughtProblem)) != true)
            {
                var schema = await context.GetOrCreateSchemaAsync(typeof(CnaughtProblem), null, ct);
                if (schema is OpenApiSchema s) s.Required = new HashSet<string>(["type", "title", "status"], StringComparer.Ordinal); // the rest only when set
                document.AddComponent(nameof(CnaughtProblem), schema);
            }
            media.Schema = new OpenApiSchemaReference(nameof(CnaughtProblem), document);
        }
    }
}
