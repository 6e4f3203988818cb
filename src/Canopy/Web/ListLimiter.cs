using System.Diagnostics.Metrics;
using System.Threading.RateLimiting;

namespace Canopy.Web;

/// <summary>
/// A bulkhead for the lists of orders, the heaviest requests Canopy serves (a page of 100 orders is a three-table read
/// and a few hundred KB of JSON): at most <c>Canopy:Lists:Concurrency</c> (default twice the processor count) are
/// served at once; the others wait in arrival order, up to <c>Canopy:Lists:QueueLimit</c> (default 1 000) of them;
/// past that, 503 with <c>Retry-After</c> in the surface's error shape. Other requests (orders above all) never wait here.
/// <para>
/// Why: once the processors are busy, serving every page at once makes all of them share the CPU with the database's
/// backends, and a few stall behind the rest (measured on 2 cores with the database beside Canopy: p99 166 ms at a
/// median of 29 ms). Waiting in line at the door instead gives every page about the same wait, at the same throughput
/// (p99 45 ms, median 32 ms: docs/performance.md). With a remote database whose round trip is most of a page's time,
/// raise the concurrency: a node serves at most <c>Concurrency</c> ÷ (a page's time) pages a second.
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
        meter.CreateObservableGauge("canopy.lists.active", () => Concurrency - (_limiter.GetStatistics()?.CurrentAvailablePermits ?? Concurrency),
            "{request}", "Lists of orders being served (at most Canopy:Lists:Concurrency).");
        meter.CreateObservableGauge("canopy.lists.queued", () => Queued,
            "{request}", "Lists of orders waiting for their turn.");
    }

    public int Concurrency { get; }

    public int QueueLimit { get; }

    /// <summary>Lists waiting for their turn now.</summary>
    public long Queued => _limiter.GetStatistics()?.CurrentQueuedCount ?? 0;

    /// <summary>A turn: wait in line for one (cancelled with the request), or none when the line is full.</summary>
    public ValueTask<RateLimitLease> AcquireAsync(CancellationToken ct) => _limiter.AcquireAsync(1, ct);

    public void Dispose() => _limiter.Dispose();
}

/// <summary>Endpoint metadata: this route is a list of orders, served through <see cref="ListLimiter"/>.</summary>
internal sealed class LimitedList
{
    public static readonly LimitedList Instance = new();

    private LimitedList()
    {
    }
}
