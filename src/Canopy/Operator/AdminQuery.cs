using System.Globalization;
using System.Numerics;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Canopy.Operator;

/// <summary>
/// Integer filters of operator lists (<c>account_id</c>, <c>vintage</c>), read as text and parsed here, so that
/// <c>?account_id=abc</c> is a 400 naming the field instead of the framework's bare "Bad Request".
/// </summary>
internal static class AdminQuery
{
    /// <summary>Absent (null) or an integer; false for anything else.</summary>
    public static bool TryInteger<T>(string? text, out T? value) where T : struct, IBinaryInteger<T>
    {
        value = null;
        if (string.IsNullOrEmpty(text)) return true;
        if (!T.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)) return false;
        value = v;
        return true;
    }

    public static string IntegerMessage(string field) => $"'{field}' must be an integer.";

    /// <summary>Documents a query parameter as an int32 from <paramref name="minimum"/> to <paramref name="maximum"/> (the handler words its own 400).</summary>
    public static RouteHandlerBuilder WithIntegerQuery(this RouteHandlerBuilder builder, string name, int minimum, int maximum) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            foreach (var p in operation.Parameters ?? [])
                if (p is OpenApiParameter { In: ParameterLocation.Query } parameter && parameter.Name == name)
                    parameter.Schema = new OpenApiSchema
                    {
                        Type = JsonSchemaType.Integer, Format = "int32",
                        Minimum = minimum.ToString(CultureInfo.InvariantCulture), Maximum = maximum.ToString(CultureInfo.InvariantCulture),
                    };
            return Task.CompletedTask;
        });

    /// <summary>Documents the named query parameters as integers (the handler takes them as text to word its own 400).</summary>
    public static RouteHandlerBuilder WithIntegerQuery(this RouteHandlerBuilder builder, params string[] names) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            foreach (var p in operation.Parameters ?? [])
                if (p is OpenApiParameter { In: ParameterLocation.Query } parameter && names.Contains(parameter.Name, StringComparer.Ordinal))
                    parameter.Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int64" };
            return Task.CompletedTask;
        });
}
