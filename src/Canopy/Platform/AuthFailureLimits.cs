using System.Globalization;
using System.Threading.RateLimiting;

using Canopy.Kernel;

namespace Canopy.Platform;

/// <summary>
/// Failed authentication is limited per client address: a token bucket of <c>Canopy:RateLimit:FailedAuthBurst</c>
/// failures (default 20) refilled at <c>Canopy:RateLimit:FailedAuthPerMinute</c> (default 60). Each failed authentication takes one (a 401, or
/// a refusal its surface answers otherwise and marks with <see cref="MarkFailed"/>: Wren's 403 for an unknown token);
/// while an address has none left, its requests on the public APIs are refused with 429 before their credential is
/// looked up, unless this node already knows the credential as a valid token (a customer behind the same NAT keeps
/// working). A different made-up token on every request therefore costs the database a bounded number of look-ups per
/// address. The client address is the connection's, or the one forwarded by a configured proxy (<see cref="ClientAddress"/>).
/// </summary>
internal sealed class AuthFailureLimits : IDisposable
{
    private readonly PartitionedRateLimiter<string> _failures;

    public AuthFailureLimits(IConfiguration config)
    {
        var burst = Math.Max(1, config.GetValue("Canopy:RateLimit:FailedAuthBurst", 20));
        var perMinute = Math.Max(1, config.GetValue("Canopy:RateLimit:FailedAuthPerMinute", 60));
        _failures = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetTokenBucketLimiter(address, _ =>
            new TokenBucketRateLimiterOptions
            {
                TokenLimit = burst,
                TokensPerPeriod = perMinute,
                ReplenishmentPeriod = TimeSpan.FromMinutes(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    /// <summary>Whether the address has used up its failures.</summary>
    public bool Exhausted(string address) => _failures.GetStatistics(address)?.CurrentAvailablePermits <= 0;

    /// <summary>Counts one failed authentication against the address.</summary>
    public void Fail(string address)
    {
        using var _ = _failures.AttemptAcquire(address);
    }

    public void Dispose() => _failures.Dispose();

    private static readonly object FailedKey = new();

    /// <summary>Marks the request as a failed authentication whatever status its surface answers it with.</summary>
    public static void MarkFailed(HttpContext http) => http.Items[FailedKey] = true;

    private static bool Failed(HttpContext http) =>
        http.Response.StatusCode == StatusCodes.Status401Unauthorized || http.Items.ContainsKey(FailedKey);

    /// <summary>The middleware: refuse while exhausted, count each failed authentication.</summary>
    internal sealed class Middleware(RequestDelegate next, AuthFailureLimits limits, IKnownCredentials tokens, SurfaceErrors errors)
    {
        public async Task InvokeAsync(HttpContext http)
        {
            if (!RateLimits.IsLimited(http))
            {
                await next(http);
                return;
            }
            var address = ClientAddress.Of(http);
            var secret = BearerToken.Read(http.Request, allowBasic: true);
            if (!string.IsNullOrEmpty(secret) && limits.Exhausted(address) && !tokens.IsKnown(secret))
            {
                const int retry = 60;
                http.Response.Headers.RetryAfter = retry.ToString(CultureInfo.InvariantCulture);
                await errors.Status(http, StatusCodes.Status429TooManyRequests,
                    $"Too many failed authentications from this address: retry after {retry} s.").ExecuteAsync(http);
                return;
            }
            await next(http);
            if (Failed(http)) limits.Fail(address);
        }
    }
}
