using Canopy.Kernel;
using Canopy.Data;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Idempotency;

/// <summary>Deletes idempotency records past their 24 hours, hourly, in small batches (any node may run it; deletes are idempotent).</summary>
internal sealed class IdempotencyCleanup(IServiceScopeFactory scopes, TimeProvider time, ILogger<IdempotencyCleanup> logger) : BackgroundService
{
    private const int BatchSize = 1_000;

    /// <summary>Deletes expired records; returns how many.</summary>
    public async Task<int> PurgeAsync(CancellationToken ct)
    {
        var total = 0;
        while (true)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
            var now = time.GetUtcNow().UtcDateTime;
            var ids = await db.IdempotencyRecords.Where(r => r.ExpiresAt <= now).OrderBy(r => r.Id).Select(r => r.Id).Take(BatchSize).ToListAsync(ct);
            if (ids.Count == 0) return total;
            total += await db.IdempotencyRecords.Where(r => ids.Contains(r.Id) && r.ExpiresAt <= now).ExecuteDeleteAsync(ct);
        }
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicWork.RunAsync("Purging expired idempotency records", async ct =>
        {
            var purged = await PurgeAsync(ct);
            if (purged > 0) logger.LogInformation("Purged {Count} expired idempotency records", purged);
            return false;
        }, () => TimeSpan.FromHours(1), time, logger, stoppingToken);
}
