using Canopy.Catalog;
using Canopy.Data;
using Microsoft.EntityFrameworkCore;
using Canopy.Ordering;

namespace Canopy.Fulfilment;

/// <summary>
/// Takes grams out of credit batches and gives them back. Callers hold the batches' locks (<see cref="LockAsync"/>)
/// inside their transaction, so that two workers never hand out the same grams or serial numbers.
/// </summary>
internal static class Inventory
{
    /// <summary>
    /// Locks the credit batches of these projects until the transaction ends. PostgreSQL: row locks taken in id order
    /// (so two transactions cannot deadlock on them). SQLite: its transactions already hold the one write lock from BEGIN.
    /// </summary>
    public static async Task LockAsync(CanopyDbContext db, IReadOnlyCollection<long> projectIds, CancellationToken ct)
    {
        if (!db.IsPostgres || projectIds.Count == 0) return;
        var ids = projectIds.ToArray();
        await db.Database.ExecuteSqlInterpolatedAsync($"SELECT id FROM credit_batches WHERE project_id = ANY({ids}) ORDER BY id FOR UPDATE", ct);
    }

    /// <summary>A gram range [Start, End) of one batch.</summary>
    public readonly record struct Range(long Start, long End)
    {
        public long Grams => End - Start;
    }

    /// <summary>
    /// Takes <paramref name="grams"/> (at most what the batch has available) out of <paramref name="batch"/>: fresh serials
    /// above the cursor first, then ranges that cancelled orders gave back, lowest first. Updates the tracked batch.
    /// </summary>
    public static async Task<List<Range>> TakeAsync(CanopyDbContext db, CreditBatch batch, long grams, CancellationToken ct)
    {
        if (grams <= 0 || grams > batch.GramsAvailable) throw new InvalidOperationException($"Cannot take {grams} g from batch {batch.Id} ({batch.GramsAvailable} g available).");
        List<Range> taken = [];
        var fresh = Math.Min(grams, batch.GramsIssued - batch.SerialCursor);
        if (fresh > 0)
        {
            taken.Add(new Range(batch.SerialCursor, batch.SerialCursor + fresh));
            batch.SerialCursor += fresh;
        }
        var left = grams - fresh;
        if (left > 0)
        {
            // Gaps below the cursor are serials released by cancellations (rare): find them from the live retirements,
            // including those this transaction has just added.
            var saved = await db.Retirements.AsNoTracking().Where(r => r.BatchId == batch.Id && r.ReleasedAt == null)
                .Select(r => new Range(r.SerialStart, r.SerialEnd)).ToListAsync(ct);
            var pending = db.ChangeTracker.Entries<Retirement>()
                .Where(e => e.State == EntityState.Added && e.Entity.BatchId == batch.Id)
                .Select(e => new Range(e.Entity.SerialStart, e.Entity.SerialEnd));
            var used = saved.Concat(pending).Concat(taken).OrderBy(r => r.Start).ToList();
            long at = 0;
            foreach (var r in used.Append(new Range(batch.SerialCursor, batch.SerialCursor)))
            {
                if (left == 0) break;
                if (r.Start > at)
                {
                    var take = Math.Min(left, r.Start - at);
                    taken.Add(new Range(at, at + take));
                    left -= take;
                }
                at = Math.Max(at, r.End);
            }
            if (left > 0) throw new InvalidOperationException($"Batch {batch.Id} has {batch.GramsAvailable} g available but not enough free serial numbers.");
        }
        batch.GramsAvailable -= grams;
        return taken;
    }
}
