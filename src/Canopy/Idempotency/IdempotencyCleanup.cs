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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var purged = await PurgeAsync(stoppingToken);
                if (purged > 0) logger.LogInformation("Purged {Count} expired idempotency records", purged);
                await Task.Delay(TimeSpan.FromHours(1), time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Purging expired idempotency records failed; retrying in an hour");
                try { await Task.Delay(TimeSpan.FromHours(1), time, stoppingToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }
}
