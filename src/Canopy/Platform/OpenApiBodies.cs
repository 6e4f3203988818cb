using Microsoft.OpenApi;

using Canopy.Kernel;

namespace Canopy.Platform;

/// <summary>
/// Handlers read their bodies themselves (to name bad fields precisely, in each dialect's error shape), so the OpenAPI
/// generator cannot see them; this states each one in /openapi/v1.json. Unlike <c>Accepts&lt;T&gt;()</c> it adds no
/// content-type constraint, so a wrong Content-Type reaches the handler and gets the dialect's own 400, not a bare 415.
/// </summary>
internal static class OpenApiBodies
{
    public static RouteHandlerBuilder WithJsonBody<T>(this RouteHandlerBuilder builder) => builder.WithBody<T>("application/json");

    /// <summary>
    /// A JSON body checked by a validator that depends on the route (e.g. one per activity): the schema shows that
    /// validator's rules, and only the fields it checks.
    /// </summary>
    public static RouteHandlerBuilder WithJsonBody<T>(this RouteHandlerBuilder builder, FluentValidation.IValidator<T> validator) =>
        builder.WithBody<T>(validator, onlyValidatedFields: true, ["application/json"]);

    /// <summary>The body of type <typeparamref name="T"/>, accepted as each of <paramref name="contentTypes"/>.</summary>
    public static RouteHandlerBuilder WithBody<T>(this RouteHandlerBuilder builder, params string[] contentTypes) =>
        builder.WithBody<T>(null, onlyValidatedFields: false, contentTypes);

    private static RouteHandlerBuilder WithBody<T>(this RouteHandlerBuilder builder, FluentValidation.IValidator? validator,
        bool onlyValidatedFields, string[] contentTypes) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, ct) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, ct);
            Optional(schema);
            // The same rules the handler runs (one source of truth): required fields, bounds, lengths, closed sets.
            var rules = validator ?? ValidatorSchemas.DefaultFor(typeof(T));
            if (rules is not null) ValidatorSchemas.Apply(schema, rules, onlyValidatedFields);
            var example = RequestExamples.For(typeof(T), rules);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = contentTypes.ToDictionary(c => c, _ => new OpenApiMediaType { Schema = schema, Example = example?.DeepClone() }, StringComparer.Ordinal),
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

internal static class GroupResponses
{
    /// <summary>Declares a response every endpoint of a group may give (what <c>Produces&lt;T&gt;</c> does for one endpoint).</summary>
    public static RouteGroupBuilder ProducesFor<T>(this RouteGroupBuilder group, int statusCode) =>
        group.WithMetadata(new Microsoft.AspNetCore.Http.ProducesResponseTypeMetadata(statusCode, typeof(T), ["application/json"]));
}
