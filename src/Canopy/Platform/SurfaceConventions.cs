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
