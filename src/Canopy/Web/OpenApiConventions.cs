using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Canopy.Web;

/// <summary>
/// What the generator cannot see in /openapi/v1.json because handlers read them by hand: the security schemes of each
/// surface, the Idempotency-Key and X-Subaccount-Id headers, CNaught's cursor and date query parameters, and fields
/// that are only present on some objects.
/// </summary>
internal static class OpenApiConventions
{
    public static OpenApiOptions AddCanopyConventions(this OpenApiOptions o)
    {
        o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Components ??= new OpenApiComponents();
            doc.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal);
            doc.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http, Scheme = "bearer",
                Description = "An API token (Wren, CNaught) or the operator key (/admin): Authorization: Bearer …",
            };
            doc.Components.SecuritySchemes["wrenBasic"] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http, Scheme = "basic",
                Description = "Wren: the API token as user name and an empty password (curl -u \"$TOKEN:\").",
            };
            return Task.CompletedTask;
        });

        o.AddOperationTransformer((operation, context, _) =>
        {
            var path = "/" + (context.Description.RelativePath ?? "").Trim('/');
            var method = context.Description.HttpMethod ?? "";
            var isPublic = path is "/api/portfolios" or "/api/offset-orders/public" || !(path.StartsWith("/api/", StringComparison.Ordinal)
                || path.StartsWith("/v1/", StringComparison.Ordinal) || path.StartsWith("/admin/", StringComparison.Ordinal));
            if (!isPublic)
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", context.Document)] = [] });
                if (path.StartsWith("/api/", StringComparison.Ordinal))
                    operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("wrenBasic", context.Document)] = [] });
            }

            var dialect = path.StartsWith("/api/", StringComparison.Ordinal) || path.StartsWith("/v1/", StringComparison.Ordinal);
            if (dialect && method == "POST")
                Add(operation, "Idempotency-Key", ParameterLocation.Header,
                    "Makes a retry safe: the first answer is replayed (X-Idempotent-Replay: true); at most 512 characters.");
            if (path.StartsWith("/v1/orders", StringComparison.Ordinal) || path.StartsWith("/v1/quotes", StringComparison.Ordinal)
                || path.StartsWith("/v1/impact", StringComparison.Ordinal))
                Add(operation, "X-Subaccount-Id", ParameterLocation.Header, "Act for this subaccount of the account (400 invalid-subaccount if it is not one).");
            if (method == "GET" && path is "/v1/orders" or "/v1/subaccounts")
            {
                Add(operation, "limit", ParameterLocation.Query, "Page size, 1–100 (default 20).", JsonSchemaType.Integer);
                Add(operation, "starting_after", ParameterLocation.Query, "Id of the item after which the page starts (older items).");
                Add(operation, "ending_before", ParameterLocation.Query, "Id of the item before which the page ends (newer items); not with starting_after.");
            }
            if (method == "GET" && path == "/v1/impact/data")
            {
                Add(operation, "from", ParameterLocation.Query, "Only orders placed at or after this ISO 8601 date or date-time.", format: "date-time");
                Add(operation, "to", ParameterLocation.Query, "Only orders placed before this ISO 8601 date or date-time.", format: "date-time");
            }
            return Task.CompletedTask;
        });

        // distance_km is only on ride orders: present there, omitted elsewhere.
        o.AddSchemaTransformer((schema, context, _) =>
        {
            if (context.JsonTypeInfo.Type == typeof(Canopy.Cnaught.CnaughtOrder)) schema.Required?.Remove("distance_km");
            return Task.CompletedTask;
        });
        return o;
    }

    private static void Add(OpenApiOperation operation, string name, ParameterLocation location, string description,
        JsonSchemaType type = JsonSchemaType.String, string? format = null)
    {
        operation.Parameters ??= [];
        if (operation.Parameters.Any(p => p.Name == name && p.In == location)) return;
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = name, In = location, Required = false, Description = description,
            Schema = new OpenApiSchema { Type = type, Format = format },
        });
    }
}
