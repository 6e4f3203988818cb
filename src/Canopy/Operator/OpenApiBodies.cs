using Microsoft.OpenApi;

namespace Canopy.Operator;

/// <summary>
/// Operator handlers read their bodies themselves (to name bad fields precisely), so the OpenAPI generator cannot
/// see them; this states each one, so that the operator contract in /openapi/v1.json shows what to send.
/// </summary>
internal static class OpenApiBodies
{
    public static RouteHandlerBuilder WithJsonBody<T>(this RouteHandlerBuilder builder) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, ct) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, ct);
            Optional(schema);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal) { ["application/json"] = new() { Schema = schema } },
            };
        });

    /// <summary>
    /// Request records keep every member nullable and leave "required" to the validators (which answer 400 naming
    /// the field), but the schema generator marks every constructor parameter required: drop that claim.
    /// </summary>
    private static void Optional(IOpenApiSchema? schema)
    {
        if (schema is not OpenApiSchema s) return;
        s.Required = null;
        foreach (var property in s.Properties?.Values ?? []) Optional(property);
        Optional(s.Items);
    }
}
