using System.Diagnostics.Metrics;
using System.Threading.RateLimiting;

using Canopy.Kernel;

namespace Canopy.Platform;

/// <summary>
/// A bulkhead for pages of orders, the heaviest requests Canopy serves (a page of 100 orders is a three-table read and a
/// few hundred KB of JSON): at most <c>Canopy:Lists:Concurrency</c> (default twice the processor count) are read and
/// built at once; the others wait in arrival order, up to <c>Canopy:Lists:QueueLimit</c> (default 1 000) of them; past
/// that, <see cref="Busy"/>: 503 with <c>Retry-After</c> in the surface's error shape. A handler takes its turn after
/// authentication and gives it back before the response is sent (the page is written into the response's buffer first), so a client that
/// reads slowly never holds a turn, and unknown tokens never queue. Other requests (orders above all) never wait here.
/// <para>
/// Why: once the processors are busy, building every page at once makes them all share the CPU with the database's
/// backends, and a few stall behind the rest (measured on 2 cores with the database beside Canopy: p99 166 ms at a
/// median of 29 ms). Taking turns in arrival order gives every page about the same wait, at the same throughput
/// (docs/performance.md). With a remote database whose round trip is most of a page's time, raise the concurrency: a
/// node builds at most <c>Concurrency</c> ÷ (a page's read and build time) pages a second.
/// </para>
/// </summary>
internal sealed class ListLimiter : IDisposable
{
    private readonly ConcurrencyLimiter _limiter;

    public ListLimiter(IConfiguration config, IMeterFactory meters)
    {
        Concurrency = config.GetValue("Canopy:Lists:Concurrency", 2 * Environment.ProcessorCount);
        QueueLimit = config.GetValue("Canopy:Lists:QueueLimit", 1_000);
        if (Concurrency < 1) throw new InvalidOperationException($"Canopy:Lists:Concurrency must be at least 1 (it is {Concurrency}).");
        if (QueueLimit < 0) throw new InvalidOperationException($"Canopy:Lists:QueueLimit must be 0 or more (it is {QueueLimit}).");
        _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions
        {
            PermitLimit = Concurrency,
            QueueLimit = QueueLimit,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
        });
        var meter = meters.Create(CanopyMeter.Name);
        meter.CreateObservableGauge("canopy.lists.active", () => Concurrency - Statistics().Available,
            "{request}", "Pages of orders being read and built (at most Canopy:Lists:Concurrency).");
        meter.CreateObservableGauge("canopy.lists.queued", () => Queued, "{request}", "Pages of orders waiting for their turn.");
    }

    public int Concurrency { get; }

    public int QueueLimit { get; }

    /// <summary>Pages waiting for their turn now.</summary>
    public long Queued => Statistics().Queued;

    /// <summary>A turn: wait in line for one (cancelled with the request), or none (not acquired) when the line is full.</summary>
    public ValueTask<RateLimitLease> WaitTurnAsync(CancellationToken ct) => _limiter.AcquireAsync(1, ct);

    /// <summary>The answer when the line is full: 503, retry after a second.</summary>
    public static IResult Busy(HttpContext http)
    {
        http.Response.Headers.RetryAfter = "1";
        return http.RequestServices.GetRequiredService<SurfaceErrors>()
            .Status(http, StatusCodes.Status503ServiceUnavailable, "Too many pages of orders are being served: retry after 1 s.");
    }

    public void Dispose() => _limiter.Dispose();

    /// <summary>The limiter's figures; zeros once it is disposed (a metrics read during shutdown).</summary>
    private (long Available, long Queued) Statistics()
    {
        try
        {
            return _limiter.GetStatistics() is { } s ? (s.CurrentAvailablePermits, s.CurrentQueuedCount) : (Concurrency, 0);
        }
        catch (ObjectDisposedException)
        {
            return (Concurrency, 0);
        }
    }
}
