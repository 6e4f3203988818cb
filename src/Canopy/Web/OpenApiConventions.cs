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
        o.AddSchemaTransformer(OmittedIsNotRequired);
        o.AddSchemaTransformer(DescribeWireTypes);
        o.AddDocumentTransformer(Lintable);
        return o;
    }

    /// <summary>
    /// What the custom JSON converters hide from the generator: instants are UTC strings (format date-time), enums are
    /// snake_case strings (enum of their members). Timestamps written as strings (CNaught's *_on, *_date) and closed sets
    /// marked with <see cref="OneOfAttribute"/> are described the same way.
    /// </summary>
    private static Task DescribeWireTypes(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        var type = context.JsonTypeInfo.Type;
        var underlying = Nullable.GetUnderlyingType(type);
        var nullable = underlying is not null;
        type = underlying ?? type;
        if (type == typeof(DateTime) || type == typeof(DateTimeOffset))
        {
            schema.Type = nullable ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String;
            schema.Format = "date-time";
        }
        else if (type.IsEnum)
        {
            schema.Type = nullable ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String;
            schema.Enum = [.. Enum.GetNames(type).Select(n => (System.Text.Json.Nodes.JsonNode)System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(n))];
            if (nullable) schema.Enum.Add(null!);
        }
        if (context.JsonPropertyInfo is { } property)
        {
            if (property.AttributeProvider?.GetCustomAttributes(typeof(OneOfAttribute), true).FirstOrDefault() is OneOfAttribute oneOf)
                schema.Enum = [.. oneOf.Values.Select(v => (System.Text.Json.Nodes.JsonNode)v)];
            if (type == typeof(string) && (property.Name.EndsWith("_on", StringComparison.Ordinal) || property.Name.EndsWith("_date", StringComparison.Ordinal)
                || property.Name.EndsWith("_at", StringComparison.Ordinal)))
                schema.Format = "date-time";
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// A field written only when it is set (<c>[JsonIgnore(Condition = WhenWritingNull/WhenWritingDefault)]</c>: Wren's
    /// <c>test</c>, <c>stats.rank</c>, a project's <c>cost_per_ton</c> or <c>cost_per_tree</c>…) is absent from some answers,
    /// so it is not required, whatever the record's constructor says.
    /// </summary>
    private static Task OmittedIsNotRequired(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        if (schema.Required is not { Count: > 0 } required || context.JsonTypeInfo.Kind != System.Text.Json.Serialization.Metadata.JsonTypeInfoKind.Object)
            return Task.CompletedTask;
        foreach (var property in context.JsonTypeInfo.Properties)
        {
            if (property.AttributeProvider?.GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonIgnoreAttribute), true)
                    .OfType<System.Text.Json.Serialization.JsonIgnoreAttribute>().FirstOrDefault() is { Condition: not System.Text.Json.Serialization.JsonIgnoreCondition.Never })
                required.Remove(property.Name);
        }
        return Task.CompletedTask;
    }

    /// <summary>What linters and client generators expect of the document as a whole (Redocly's recommended rules).</summary>
    private static Task Lintable(OpenApiDocument doc, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        // The document describes one operator's instance: its terms are the operator's to state (LicenseRef- is SPDX's
        // form for a licence that is not on its list).
        var config = context.ApplicationServices.GetRequiredService<IConfiguration>();
        doc.Info.License ??= new OpenApiLicense
        {
            Name = config["Canopy:OpenApi:LicenseName"] ?? "Terms of use of this Canopy instance",
            Identifier = config["Canopy:OpenApi:LicenseUrl"] is null ? config["Canopy:OpenApi:LicenseIdentifier"] ?? "LicenseRef-Operator-Terms" : null,
            Url = config["Canopy:OpenApi:LicenseUrl"] is { } url ? new Uri(url) : null,
        };
        foreach (var server in doc.Servers ?? []) server.Url = server.Url?.TrimEnd('/');
        foreach (var tag in doc.Tags ?? new HashSet<OpenApiTag>())
            tag.Description ??= TagDescriptions.TryGetValue(tag.Name ?? "", out var text) ? text : tag.Name;
        foreach (var (path, item) in doc.Paths)
        {
            foreach (var (method, operation) in item.Operations ?? [])
            {
                // Routes without credentials say so explicitly (an empty requirement: no authentication).
                if (operation.Security is null || operation.Security.Count == 0) operation.Security = [new OpenApiSecurityRequirement()];
                operation.Responses ??= [];
                // Every route with an id in its path answers 404 for an unknown one; /api and /v1 are rate limited.
                if (path.Contains('{', StringComparison.Ordinal) && !operation.Responses.ContainsKey("404"))
                    operation.Responses["404"] = new OpenApiResponse { Description = "Not Found" };
                if ((path.StartsWith("/api/", StringComparison.Ordinal) || path.StartsWith("/v1/", StringComparison.Ordinal)) && !operation.Responses.ContainsKey("429"))
                    operation.Responses["429"] = new OpenApiResponse { Description = "Too Many Requests" };
                // A JSON body sent as another media type is 415 in the surface's error shape (Wren's message as its 400,
                // problem details as the 401 of /v1 and /admin).
                if (operation.RequestBody?.Content?.ContainsKey("application/json") == true && !operation.Responses.ContainsKey("415")
                    && (path.StartsWith("/api/", StringComparison.Ordinal) || path.StartsWith("/v1/", StringComparison.Ordinal) || path.StartsWith("/admin/", StringComparison.Ordinal))
                    && operation.Responses.TryGetValue(path.StartsWith("/api/", StringComparison.Ordinal) ? "400" : "401", out var shape) && shape.Content is { } content)
                {
                    operation.Responses["415"] = new OpenApiResponse
                    {
                        Description = "Unsupported Media Type",
                        Content = content.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
                    };
                }
            }
        }
        return Task.CompletedTask;
    }

    private static readonly Dictionary<string, string> TagDescriptions = new(StringComparer.Ordinal)
    {
        ["Wren dialect"] = "Wren's API under /api: offset, project and tree orders; errors are {\"message\": …}.",
        ["CNaught dialect"] = "CNaught's API under /v1 (official SDKs 2.8 and 3.x); errors are application/problem+json with CNaught's types.",
        ["Public pages"] = "Certificates, impact pages, the public feed and uploaded logos; no credentials.",
        ["Operations"] = "Health checks for load balancers and orchestrators.",
        ["Operator: accounts"] = "Accounts, users, tokens, credits and callback secrets (admin key).",
        ["Operator: catalogue"] = "Project categories, projects with their profiles, and portfolios (admin key).",
        ["Operator: inventory"] = "Credit batches per project and vintage (admin key).",
        ["Operator: ledger"] = "The ledger's consistency check (admin key).",
        ["Operator: payments"] = "Cards on file and exchange rates (admin key).",
        ["Operator: orders"] = "Orders with allocations, retirements, ledger and outbox (admin key).",
    };

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
