using Canopy.Accounts;
using Canopy.Catalog;
using Canopy.Data;
using Canopy.Notifications;
using Canopy.Ordering;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Fulfilment;

/// <summary>
/// Retires inventory for placed orders (DESIGN §5): each offset allocation's grams come out of its project's credit
/// batches, oldest vintage first; an order is fulfilled when every allocation is covered. Orders that cannot be covered
/// keep what they got and wait; when inventory arrives (or a cancellation gives grams back) the waiting allocations of
/// that project are served in order of arrival. Allocations of donation and tree projects, and sandbox orders, hold no
/// inventory. Each pass is one transaction holding the locks of the batches it reads, so several workers never hand
/// out the same grams and batches never go negative.
/// </summary>
public sealed class FulfilmentService(CanopyDbContext db, IOrderCallbackBody callbackBody, TimeProvider time)
{
    /// <summary>Fulfils one order if inventory allows (outbox <c>order.fulfil</c>); false when it is not (yet) fulfilled.</summary>
    public async Task<bool> FulfilOrderAsync(long accountId, string publicId, CancellationToken ct)
    {
        var order = await db.Orders.AsNoTracking().Where(o => o.PublicId == publicId && o.AccountId == accountId)
            .Select(o => new { o.Id, o.State, o.Mode }).FirstOrDefaultAsync(ct)
            ?? throw new InvalidOperationException($"Order {publicId} to fulfil does not exist.");
        if (order.State != OrderState.Placed) return order.State == OrderState.Fulfilled;
        var projects = order.Mode == TokenMode.Live
            ? await StockedProjectsAsync(db.OrderAllocations.Where(a => a.OrderId == order.Id && !a.Cancelled && a.Grams > 0).Select(a => a.ProjectId), ct)
            : [];

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var touched = await ServeAsync(projects, order.Id, ct);
        touched.Add(order.Id);
        var fulfilled = await CompleteCoveredAsync(touched, ct);
        await tx.CommitAsync(CancellationToken.None);
        return fulfilled.Contains(order.Id);
    }

    /// <summary>Serves the waiting allocations of these projects in order of arrival (new inventory, or grams given back).</summary>
    public async Task<int> ServeWaitingAsync(IReadOnlyCollection<long> projectIds, CancellationToken ct)
    {
        var projects = await StockedProjectsAsync(db.Projects.Where(p => projectIds.Contains(p.Id)).Select(p => p.Id), ct);
        if (projects.Count == 0) return 0;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var touched = await ServeAsync(projects, null, ct);
        var fulfilled = await CompleteCoveredAsync(touched, ct);
        await tx.CommitAsync(CancellationToken.None);
        return fulfilled.Count;
    }

    /// <summary>Of these projects, those that hold inventory (offset projects), in id order.</summary>
    private async Task<List<long>> StockedProjectsAsync(IQueryable<long> projectIds, CancellationToken ct) =>
        await db.Projects.Where(p => projectIds.Contains(p.Id) && p.Kind == ProjectKind.Offset).Select(p => p.Id).OrderBy(id => id).ToListAsync(ct);

    /// <summary>Locks and reads the batches of these projects (all of them, so a concurrent cancellation cannot slip between).</summary>
    internal static async Task<List<CreditBatch>> LockBatchesAsync(CanopyDbContext db, IReadOnlyCollection<long> projectIds, CancellationToken ct)
    {
        if (projectIds.Count == 0) return [];
        var ids = projectIds.ToArray();
        // PostgreSQL: row locks in id order, so two passes cannot deadlock. SQLite: the transaction already holds the write lock.
        var batches = db.IsPostgres
            ? await db.CreditBatches.FromSqlInterpolated($"SELECT * FROM credit_batches WHERE project_id = ANY({ids}) ORDER BY id FOR UPDATE").ToListAsync(ct)
            : await db.CreditBatches.Where(b => ids.Contains(b.ProjectId)).ToListAsync(ct);
        return [.. batches.OrderBy(b => b.Vintage).ThenBy(b => b.Id)];
    }

    /// <summary>Retires inventory for the waiting allocations of these projects (only orders up to <paramref name="upToOrderId"/>); returns the orders served.</summary>
    private async Task<HashSet<long>> ServeAsync(IReadOnlyCollection<long> projectIds, long? upToOrderId, CancellationToken ct)
    {
        HashSet<long> touched = [];
        var batches = await LockBatchesAsync(db, projectIds, ct);
        if (!batches.Any(b => b.GramsAvailable > 0)) return touched;

        var waiting =
            from a in db.OrderAllocations
            join o in db.Orders on a.OrderId equals o.Id
            where projectIds.Contains(a.ProjectId) && !a.Cancelled && a.Grams > 0 && a.Mode == TokenMode.Live && o.State == OrderState.Placed
            select new
            {
                a.Id, a.OrderId, a.AccountId, a.ProjectId, a.Grams,
                Retired = db.Retirements.Where(r => r.AllocationId == a.Id && r.ReleasedAt == null).Sum(r => (long?)r.Grams) ?? 0,
            };
        if (upToOrderId is { } upTo) waiting = waiting.Where(x => x.OrderId <= upTo);
        var pending = await waiting.Where(x => x.Retired < x.Grams).OrderBy(x => x.OrderId).ThenBy(x => x.Id).ToListAsync(ct);

        var now = time.GetUtcNow().UtcDateTime;
        foreach (var a in pending)
        {
            var need = a.Grams - a.Retired;
            foreach (var batch in batches.Where(b => b.ProjectId == a.ProjectId && b.GramsAvailable > 0))
            {
                var take = Math.Min(need, batch.GramsAvailable);
                foreach (var range in await Inventory.TakeAsync(db, batch, take, ct))
                {
                    db.Retirements.Add(new Retirement
                    {
                        AllocationId = a.Id, OrderId = a.OrderId, AccountId = a.AccountId, ProjectId = a.ProjectId, BatchId = batch.Id,
                        Vintage = batch.Vintage, Grams = range.Grams, SerialStart = range.Start, SerialEnd = range.End,
                        SerialNumberRange = Retirement.RangeText(batch.SerialPrefix, batch.Id, range.Start, range.End),
                        RegistryUrl = batch.RegistryUrl, RetiredAt = now,
                    });
                }
                touched.Add(a.OrderId);
                need -= take;
                if (need == 0) break;
            }
        }
        await db.SaveChangesAsync(ct);
        return touched;
    }

    /// <summary>Marks fulfilled the placed orders among these whose inventory is all retired; queues their callbacks.</summary>
    private async Task<List<long>> CompleteCoveredAsync(HashSet<long> orderIds, CancellationToken ct)
    {
        List<long> fulfilled = [];
        if (orderIds.Count == 0) return fulfilled;
        var allocations = await (
            from a in db.OrderAllocations
            join o in db.Orders on a.OrderId equals o.Id
            join p in db.Projects on a.ProjectId equals p.Id
            where orderIds.Contains(a.OrderId) && o.State == OrderState.Placed && !a.Cancelled
            select new
            {
                a.OrderId,
                Needs = a.Mode == TokenMode.Live && p.Kind == ProjectKind.Offset ? a.Grams : 0,
                Retired = db.Retirements.Where(r => r.AllocationId == a.Id && r.ReleasedAt == null).Sum(r => (long?)r.Grams) ?? 0,
            }).ToListAsync(ct);
        var placed = await db.Orders.Where(o => orderIds.Contains(o.Id) && o.State == OrderState.Placed)
            .Select(o => new { o.Id, o.AccountId, o.PublicId, o.CallbackUrl }).ToListAsync(ct);
        var now = time.GetUtcNow().UtcDateTime;
        foreach (var order in placed.OrderBy(o => o.Id))
        {
            if (allocations.Where(a => a.OrderId == order.Id).Any(a => a.Retired < a.Needs)) continue;
            var flipped = await db.Orders.Where(o => o.Id == order.Id && o.State == OrderState.Placed)
                .ExecuteUpdateAsync(s => s.SetProperty(o => o.State, OrderState.Fulfilled).SetProperty(o => o.FulfilledAt, now), ct);
            if (flipped == 0) continue;
            fulfilled.Add(order.Id);
            if (order.CallbackUrl is not null)
                db.OutboxMessages.Add(await OrderCallbacks.MessageAsync(db, callbackBody, order.AccountId, order.Id, order.PublicId, "fulfilled", now, ct));
        }
        await db.SaveChangesAsync(ct);
        return fulfilled;
    }

    /// <summary>
    /// Gives a cancelled order's retired grams back to their batches (in the caller's transaction, after
    /// <see cref="LockBatchesAsync"/>); returns the projects that got grams back, whose waiting orders may now be served.
    /// </summary>
    internal static async Task<List<long>> ReleaseAsync(CanopyDbContext db, long orderId, DateTime now, CancellationToken ct)
    {
        var live = await db.Retirements.Where(r => r.OrderId == orderId && r.ReleasedAt == null).ToListAsync(ct);
        foreach (var r in live) r.ReleasedAt = now;
        await db.SaveChangesAsync(ct);
        foreach (var batch in live.GroupBy(r => r.BatchId))
        {
            var grams = batch.Sum(r => r.Grams);
            await db.CreditBatches.Where(b => b.Id == batch.Key)
                .ExecuteUpdateAsync(s => s.SetProperty(b => b.GramsAvailable, b => b.GramsAvailable + grams), ct);
        }
        return [.. live.Select(r => r.ProjectId).Distinct()];
    }
}
