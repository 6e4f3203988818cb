using System.Diagnostics.Metrics;
using Canopy.Accounts;
using Canopy.Data;
using Canopy.Ordering;
using Microsoft.EntityFrameworkCore;

using Canopy.Kernel;

namespace Canopy.Audit;

/// <summary>
/// Gauges read from the database — outbox lag, pending and given-up messages, failed delivery attempts, the fulfilment
/// backlog — sampled every <c>Canopy:Metrics:SampleSeconds</c> (default 15) rather than on each scrape, so that a
/// scraper never adds queries to the database's load. Every node reports the same (shared) figures.
/// </summary>
internal sealed class OperationsMetrics : BackgroundService
{
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _time;
    private readonly TimeSpan _period;
    private readonly ILogger<OperationsMetrics> _logger;
    private Sample _last = new(0, 0, 0, 0, 0, 0);

    private sealed record Sample(long Pending, double LagSeconds, long GaveUp, long FailedAttempts, long Backlog, double BacklogAgeSeconds);

    public OperationsMetrics(IServiceScopeFactory scopes, TimeProvider time, IConfiguration config, IMeterFactory meters, ILogger<OperationsMetrics> logger)
    {
        _scopes = scopes;
        _time = time;
        _logger = logger;
        _period = TimeSpan.FromSeconds(Math.Clamp(config.GetValue("Canopy:Metrics:SampleSeconds", 15), 1, 3600));
        var meter = meters.Create(CanopyMeter.Name);
        meter.CreateObservableGauge("canopy.outbox.pending", () => _last.Pending, "{message}", "Outbox messages not yet delivered (and not given up).");
        meter.CreateObservableGauge("canopy.outbox.lag", () => _last.LagSeconds, "s", "How long the oldest due, undelivered outbox message has waited.");
        meter.CreateObservableGauge("canopy.outbox.gave_up", () => _last.GaveUp, "{message}", "Outbox messages given up after retrying for 24 h.");
        meter.CreateObservableCounter("canopy.outbox.delivery_failures", () => _last.FailedAttempts, "{attempt}", "Failed outbox delivery attempts, all time.");
        meter.CreateObservableGauge("canopy.fulfilment.backlog", () => _last.Backlog, "{order}", "Live orders placed and not yet fulfilled (waiting for inventory or the worker).");
        meter.CreateObservableGauge("canopy.fulfilment.backlog_age", () => _last.BacklogAgeSeconds, "s", "Age of the oldest live order waiting for fulfilment.");
    }

    /// <summary>Reads the figures now (also what tests call instead of waiting for the timer).</summary>
    public async Task SampleAsync(CancellationToken ct)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        var now = _time.GetUtcNow().UtcDateTime;
        var open = db.OutboxMessages.AsNoTracking().Where(m => m.CompletedAt == null && m.GaveUpAt == null);
        var pending = await open.LongCountAsync(ct);
        var oldestDue = await open.Where(m => m.AvailableAt <= now).OrderBy(m => m.AvailableAt).Select(m => (DateTime?)m.AvailableAt).FirstOrDefaultAsync(ct);
        var gaveUp = await db.OutboxMessages.AsNoTracking().LongCountAsync(m => m.GaveUpAt != null, ct);
        var failed = await db.OutboxAttempts.AsNoTracking().LongCountAsync(a => !a.Succeeded, ct);
        var waiting = db.Orders.AsNoTracking().Where(o => o.State == OrderState.Placed && o.Mode == TokenMode.Live);
        var backlog = await waiting.LongCountAsync(ct);
        var oldestOrder = await waiting.OrderBy(o => o.Id).Select(o => (DateTime?)o.CreatedAt).FirstOrDefaultAsync(ct);
        _last = new Sample(pending, oldestDue is { } d ? Math.Max(0, (now - d).TotalSeconds) : 0, gaveUp, failed,
            backlog, oldestOrder is { } o ? Math.Max(0, (now - o).TotalSeconds) : 0);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        // When the database is away the last figures stay (health/ready reports the outage).
        PeriodicWork.RunAsync("Sampling the operations metrics", async ct => { await SampleAsync(ct); return false; },
            () => _period, _time, _logger, stoppingToken);
}
