using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Canopy.Platform;

/// <summary>Marks endpoints limited per token (<see cref="RateLimits"/>); put on a surface's route group.</summary>
public sealed class TokenRateLimited
{
    public static readonly TokenRateLimited Instance = new();
    private TokenRateLimited() { }
}

/// <summary>
/// What a surface declares on its route group so that the platform treats its endpoints right without knowing any
/// path: the per-token rate limit, the credentials and headers its OpenAPI operations declare.
/// </summary>
public static class SurfaceConventions
{
    /// <summary>
    /// Limited per token (429 with Retry-After, RateLimit headers on every answer, failed authentications counted per
    /// client address), and the document says so.
    /// </summary>
    public static TBuilder RequireTokenRateLimit<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(TokenRateLimited.Instance).AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Responses ??= [];
            operation.Responses.TryAdd("429", new OpenApiResponse { Description = "Too Many Requests" });
            return Task.CompletedTask;
        });

    /// <summary>The credentials the document declares for these operations: any one of the named schemes.</summary>
    public static TBuilder DeclareCredentials<TBuilder>(this TBuilder builder, params string[] schemes) where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer((operation, context, _) =>
        {
            operation.Security ??= [];
            foreach (var scheme in schemes)
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, context.Document)] = [] });
            return Task.CompletedTask;
        });

    /// <summary>
    /// A JSON body sent as another media type is 415 in the surface's error shape: the document declares it on every
    /// operation that reads a JSON body, with the content of the surface's <paramref name="shapeOf"/> answer. (Marked
    /// here, written once the document is whole: request bodies declared by hand are added after group conventions.)
    /// </summary>
    public static TBuilder DeclareUnsupportedMediaTypeLike<TBuilder>(this TBuilder builder, int shapeOf) where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Metadata ??= new Dictionary<string, object>(StringComparer.Ordinal);
            operation.Metadata[UnsupportedMediaTypeShape] = shapeOf.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return Task.CompletedTask;
        });

    internal const string UnsupportedMediaTypeShape = "canopy:415-shape";

    /// <summary>Writes the 415 that <see cref="DeclareUnsupportedMediaTypeLike"/> marked, on operations that read a JSON body.</summary>
    internal static void DeclareUnsupportedMediaType(OpenApiOperation operation)
    {
        if (operation.Metadata?.TryGetValue(UnsupportedMediaTypeShape, out var mark) != true || mark is not string shapeOf) return;
        var responses = operation.Responses;
        if (operation.RequestBody?.Content?.ContainsKey("application/json") == true && responses is not null && !responses.ContainsKey("415")
            && responses.TryGetValue(shapeOf, out var shape) && shape.Content is { } content)
            responses["415"] = new OpenApiResponse
            {
                Description = "Unsupported Media Type",
                Content = content.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
            };
    }

    /// <summary>POSTs take an <c>Idempotency-Key</c> (DESIGN §6).</summary>
    public static TBuilder AcceptIdempotencyKeyOnPosts<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer((operation, context, _) =>
        {
            if (context.Description.HttpMethod == "POST")
                OpenApiConventions.AddParameter(operation, "Idempotency-Key", ParameterLocation.Header,
                    "Makes a retry safe: the first answer is replayed (X-Idempotent-Replay: true); at most 512 characters.");
            return Task.CompletedTask;
        });
}
