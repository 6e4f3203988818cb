using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

using Canopy.Kernel;

namespace Canopy.Platform;

/// <summary>
/// What the generator cannot see in /openapi/v1.json: the security schemes (each surface declares which of them its
/// operations take, and the headers they read by hand, through <see cref="SurfaceConventions"/>), the wire forms of
/// timestamps and enums, and what linters expect of the document as a whole.
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
        var tags = context.ApplicationServices.GetServices<TagDescription>().ToDictionary(t => t.Name, t => t.Description, StringComparer.Ordinal);
        doc.Info.License ??= new OpenApiLicense
        {
            Name = config["Canopy:OpenApi:LicenseName"] ?? "Terms of use of this Canopy instance",
            Identifier = config["Canopy:OpenApi:LicenseUrl"] is null ? config["Canopy:OpenApi:LicenseIdentifier"] ?? "LicenseRef-Operator-Terms" : null,
            Url = config["Canopy:OpenApi:LicenseUrl"] is { } url ? new Uri(url) : null,
        };
        foreach (var server in doc.Servers ?? []) server.Url = server.Url?.TrimEnd('/');
        foreach (var tag in doc.Tags ?? new HashSet<OpenApiTag>())
            tag.Description ??= tags.TryGetValue(tag.Name ?? "", out var text) ? text : tag.Name;
        foreach (var (path, item) in doc.Paths)
        {
            foreach (var (method, operation) in item.Operations ?? [])
            {
                // Routes without credentials say so explicitly (an empty requirement: no authentication).
                if (operation.Security is null || operation.Security.Count == 0) operation.Security = [new OpenApiSecurityRequirement()];
                operation.Responses ??= [];
                SurfaceConventions.DeclareUnsupportedMediaType(operation);
                // Every route with an id in its path answers 404 for an unknown one.
                if (path.Contains('{', StringComparison.Ordinal) && !operation.Responses.ContainsKey("404"))
                    operation.Responses["404"] = new OpenApiResponse { Description = "Not Found" };
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>Declares a parameter an operation reads by hand (once).</summary>
    public static void AddParameter(OpenApiOperation operation, string name, ParameterLocation location, string description,
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

/// <summary>A tag's description in the document, registered by the surface that uses the tag.</summary>
public sealed record TagDescription(string Name, string Description);
