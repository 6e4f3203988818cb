using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

using Canopy.Kernel;

namespace Canopy.Platform;

/// <summary>
/// Per-token rate limits (DESIGN §10): a token bucket per credential, <c>Canopy:RateLimit:PermitsPerSecond</c>
/// (default 100) with bursts up to <c>Canopy:RateLimit:Burst</c> (default 200). Over the limit: 429 with
/// Retry-After, in the error shape of the surface the request came through. Anonymous requests share a bucket per client address. Only the surfaces that ask for it are limited.
/// Every response of a limited surface carries the IETF draft's <c>RateLimit-Policy</c> and <c>RateLimit</c> headers
/// (draft-ietf-httpapi-ratelimit-headers): the bucket's size and refill time, what is left and when it is full again.
/// </summary>
internal static class RateLimits
{
    private const string PolicyName = "\"token\"";

    public static IServiceCollection AddCanopyRateLimits(this IServiceCollection services, IConfiguration config)
    {
        var perSecond = Math.Max(1, config.GetValue("Canopy:RateLimit:PermitsPerSecond", 100));
        var burst = Math.Max(perSecond, config.GetValue("Canopy:RateLimit:Burst", 200));
        services.AddSingleton(new BucketShape(burst, perSecond));
        services.AddSingleton<AuthFailureLimits>();
        services.AddCanopyForwardedHeaders(config);
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http => !IsLimited(http)
                ? RateLimitPartition.GetNoLimiter("unlimited")
                : RateLimitPartition.GetTokenBucketLimiter(PartitionKey(http), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = burst,
                    TokensPerPeriod = perSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            o.OnRejected = async (context, ct) =>
            {
                var http = context.HttpContext;
                var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? Math.Max(1, (int)Math.Ceiling(after.TotalSeconds)) : 1;
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                http.Response.Headers.RetryAfter = retry.ToString(CultureInfo.InvariantCulture);
                await http.RequestServices.GetRequiredService<SurfaceErrors>()
                    .Status(http, StatusCodes.Status429TooManyRequests, $"Too many requests: retry after {retry} s.").ExecuteAsync(http);
            };
        });
        return services;
    }

    /// <summary>The limiter, the RateLimit headers and the failed-authentication limit, in that order.</summary>
    public static WebApplication UseCanopyRateLimits(this WebApplication app)
    {
        app.UseRateLimiter();
        app.Use(async (http, next) =>
        {
            if (IsLimited(http)) AddHeaders(http);
            await next(http);
        });
        app.UseMiddleware<AuthFailureLimits.Middleware>();
        return app;
    }

    private static void AddHeaders(HttpContext http)
    {
        var shape = http.RequestServices.GetRequiredService<BucketShape>();
        var limiter = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<RateLimiterOptions>>().Value.GlobalLimiter;
        if (limiter?.GetStatistics(http) is not { } stats) return;
        var remaining = Math.Max(0, stats.CurrentAvailablePermits);
        var window = (shape.Burst + shape.PerSecond - 1) / shape.PerSecond;
        var untilFull = (shape.Burst - remaining + shape.PerSecond - 1) / shape.PerSecond;
        http.Response.Headers["RateLimit-Policy"] = string.Create(CultureInfo.InvariantCulture, $"{PolicyName};q={shape.Burst};w={window}");
        http.Response.Headers["RateLimit"] = string.Create(CultureInfo.InvariantCulture, $"{PolicyName};r={remaining};t={untilFull}");
    }

    /// <summary>The per-token bucket: its size and refill rate.</summary>
    private sealed record BucketShape(long Burst, long PerSecond);

    /// <summary>
    /// Endpoints whose surface asked for it (<see cref="SurfaceConventions.RequireTokenRateLimit"/>: the public dialects);
    /// the operator API, health checks, documentation and unrouted paths are not limited.
    /// </summary>
    internal static bool IsLimited(HttpContext http) => http.GetEndpoint()?.Metadata.GetMetadata<TokenRateLimited>() is not null;

    /// <summary>
    /// The secret's hash (never the secret itself), however it is sent (Bearer or Basic, any capitalisation): one token,
    /// one bucket. No readable credential: the client address.
    /// </summary>
    private static string PartitionKey(HttpContext http)
    {
        var secret = Canopy.Platform.BearerToken.Read(http.Request, allowBasic: true);
        if (!string.IsNullOrEmpty(secret))
            return "t:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)), 0, 16);
        return "ip:" + ClientAddress.Of(http);
    }
}
