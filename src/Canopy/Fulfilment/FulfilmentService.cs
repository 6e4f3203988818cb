using Canopy.Accounts;
using Canopy.Catalog;
using Canopy.Data;
using Canopy.Notifications;
using Canopy.Ordering;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Fulfilment;

/// <summary>An order to fulfil, as an <c>order.fulfil</c> message names it.</summary>
public readonly record struct OrderToFulfil(long AccountId, string PublicId);

/// <summary>What a fulfilment pass did with the orders it was given (public ids).</summary>
public sealed record FulfilmentOutcome(IReadOnlySet<string> Fulfilled, IReadOnlySet<string> Waiting, IReadOnlySet<string> Missing);

/// <summary>
/// Retires inventory for placed orders (DESIGN §5): each offset allocation's grams come out of its project's credit
/// batches, oldest vintage first; an order is fulfilled when every allocation is covered. An allocation that cannot be
/// covered keeps what it got and joins its project's line (<see cref="WaitingAllocation"/>); while a project has a line,
/// a newly placed order joins its back rather than taking grams. Waiting orders are not looked at again until inventory
/// arrives for their project (a new batch, or grams a cancellation gave back: <c>inventory.serve</c>), which serves the
/// line in order of arrival. Allocations of donation and tree projects, and sandbox orders, hold no inventory. Each pass
/// is one transaction holding the locks of the batches it reads, so several workers never hand out the same grams and
/// batches never go negative.
/// </summary>
public sealed class FulfilmentService(CanopyDbContext db, IOrderCallbackBody callbackBody, TimeProvider time)
{
    /// <summary>How many waiting allocations a serving pass reads at a time.</summary>
    private const int LinePage = 500;

    /// <summary>
    /// Fulfils a group of orders in one transaction, oldest first: what inventory covers is retired, what it does not joins
    /// the line of its project. Orders already fulfilled count as fulfilled; cancelled orders and orders already in a line
    /// (a message delivered twice) are left alone.
    /// </summary>
    public async Task<FulfilmentOutcome> FulfilOrdersAsync(IReadOnlyCollection<OrderToFulfil> group, CancellationToken ct)
    {
        var publicIds = group.Select(o => o.PublicId).Distinct().ToArray();
        var wanted = group.ToHashSet();
        var found = (await db.Orders.AsNoTracking().Where(o => publicIds.Contains(o.PublicId)).Select(o => new { o.Id, o.AccountId, o.PublicId }).ToListAsync(ct))
            .Where(o => wanted.Contains(new OrderToFulfil(o.AccountId, o.PublicId))).ToList();
        HashSet<string> missing = [.. publicIds.Except(found.Select(o => o.PublicId))];
        HashSet<string> fulfilled = [];
        HashSet<string> waiting = [];
        if (found.Count == 0) return new FulfilmentOutcome(fulfilled, waiting, missing);

        var orderIds = found.Select(o => o.Id).ToArray();
        var projects = await StockedProjectsAsync(db.OrderAllocations.Where(a => orderIds.Contains(a.OrderId) && a.Mode == TokenMode.Live && a.Grams > 0).Select(a => a.ProjectId), ct);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var batches = await LockBatchesAsync(db, projects, ct);
        // Read under the locks: a cancellation takes them first, so what is placed here stays placed until the commit.
        var states = await db.Orders.Where(o => orderIds.Contains(o.Id))
            .Select(o => new { o.Id, o.AccountId, o.PublicId, o.State, o.CallbackUrl }).ToListAsync(ct);
        var placedIds = states.Where(o => o.State == OrderState.Placed).Select(o => o.Id).ToArray();
        var allocations = placedIds.Length == 0 ? [] : await (
            from a in db.OrderAllocations
            join p in db.Projects on a.ProjectId equals p.Id
            where placedIds.Contains(a.OrderId) && !a.Cancelled && a.Grams > 0 && a.Mode == TokenMode.Live && p.Kind == ProjectKind.Offset
            select new
            {
                a.Id, a.OrderId, a.AccountId, a.ProjectId, a.Grams,
                Retired = db.Retirements.Where(r => r.AllocationId == a.Id && r.ReleasedAt == null).Sum(r => (long?)r.Grams) ?? 0,
                InLine = db.WaitingAllocations.Any(w => w.AllocationId == a.Id),
            }).ToListAsync(ct);
        // Projects with a line: a new order queues behind it (an index probe per project, never a read of the line).
        HashSet<long> lines = projects.Count == 0 ? [] :
            [.. await db.Projects.Where(p => projects.Contains(p.Id) && db.WaitingAllocations.Any(w => w.ProjectId == p.Id)).Select(p => p.Id).ToListAsync(ct)];

        var now = time.GetUtcNow().UtcDateTime;
        var byProject = batches.GroupBy(b => b.ProjectId).ToDictionary(g => g.Key, g => g.ToList());
        List<(long Id, long AccountId, string PublicId, string? CallbackUrl)> covered = [];
        foreach (var order in states.Where(o => o.State == OrderState.Placed).OrderBy(o => o.Id))
        {
            var mine = allocations.Where(a => a.OrderId == order.Id).OrderBy(a => a.Id).ToList();
            if (mine.Any(a => a.InLine))
            {
                waiting.Add(order.PublicId);
                continue;
            }
            var short_ = false;
            foreach (var a in mine)
            {
                var need = a.Grams - a.Retired;
                if (need <= 0) continue;
                if (!lines.Contains(a.ProjectId))
                    need -= await RetireAsync(byProject.GetValueOrDefault(a.ProjectId) ?? [], a.Id, a.OrderId, a.AccountId, need, now, ct);
                if (need == 0) continue;
                db.WaitingAllocations.Add(new WaitingAllocation
                {
                    AllocationId = a.Id, ProjectId = a.ProjectId, OrderId = a.OrderId, AccountId = a.AccountId, GramsWaiting = need, QueuedAt = now,
                });
                lines.Add(a.ProjectId);
                short_ = true;
            }
            if (short_) waiting.Add(order.PublicId);
            else covered.Add((order.Id, order.AccountId, order.PublicId, order.CallbackUrl));
        }
        await db.SaveChangesAsync(ct);
        var done = await CompleteAsync(covered, now, ct);
        await tx.CommitAsync(CancellationToken.None);

        foreach (var o in states.Where(o => o.State == OrderState.Fulfilled)) fulfilled.Add(o.PublicId);
        foreach (var o in covered.Where(o => done.Contains(o.Id))) fulfilled.Add(o.PublicId);
        return new FulfilmentOutcome(fulfilled, waiting, missing);
    }

    /// <summary>Serves the lines of these projects in order of arrival (new inventory, or grams given back); returns how many orders it fulfilled.</summary>
    public async Task<int> ServeWaitingAsync(IReadOnlyCollection<long> projectIds, CancellationToken ct)
    {
        var projects = await StockedProjectsAsync(db.Projects.Where(p => projectIds.Contains(p.Id)).Select(p => p.Id), ct);
        if (projects.Count == 0) return 0;
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var batches = await LockBatchesAsync(db, projects, ct);
        var now = time.GetUtcNow().UtcDateTime;
        HashSet<long> touched = [];
        foreach (var project in projects)
        {
            var stock = batches.Where(b => b.ProjectId == project).ToList();
            (long Order, long Allocation) after = (0, 0);
            while (stock.Any(b => b.GramsAvailable > 0))
            {
                var (afterOrder, afterAllocation) = after;
                var page = await db.WaitingAllocations
                    .Where(w => w.ProjectId == project && (w.OrderId > afterOrder || w.OrderId == afterOrder && w.AllocationId > afterAllocation))
                    .OrderBy(w => w.OrderId).ThenBy(w => w.AllocationId).Take(LinePage).ToListAsync(ct);
                if (page.Count == 0) break;
                foreach (var w in page)
                {
                    var got = await RetireAsync(stock, w.AllocationId, w.OrderId, w.AccountId, w.GramsWaiting, now, ct);
                    if (got == 0) break;
                    touched.Add(w.OrderId);
                    w.GramsWaiting -= got;
                    if (w.GramsWaiting == 0) db.WaitingAllocations.Remove(w);
                }
                after = (page[^1].OrderId, page[^1].AllocationId);
            }
        }
        await db.SaveChangesAsync(ct);
        var ids = touched.ToArray();
        var stillWaiting = ids.Length == 0 ? [] : await db.WaitingAllocations.Where(w => ids.Contains(w.OrderId)).Select(w => w.OrderId).Distinct().ToListAsync(ct);
        var ready = ids.Except(stillWaiting).ToArray();
        var orders = ready.Length == 0 ? [] : await db.Orders.Where(o => ready.Contains(o.Id) && o.State == OrderState.Placed)
            .Select(o => new { o.Id, o.AccountId, o.PublicId, o.CallbackUrl }).ToListAsync(ct);
        var done = await CompleteAsync([.. orders.Select(o => (o.Id, o.AccountId, o.PublicId, o.CallbackUrl))], now, ct);
        await tx.CommitAsync(CancellationToken.None);
        return done.Count;
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

    /// <summary>Retires up to <paramref name="need"/> grams for one allocation from these (locked, vintage-ordered) batches; returns the grams retired.</summary>
    private async Task<long> RetireAsync(List<CreditBatch> batches, long allocationId, long orderId, long accountId, long need, DateTime now, CancellationToken ct)
    {
        long got = 0;
        foreach (var batch in batches)
        {
            if (got == need) break;
            if (batch.GramsAvailable <= 0) continue;
            var take = Math.Min(need - got, batch.GramsAvailable);
            foreach (var range in await Inventory.TakeAsync(db, batch, take, ct))
            {
                db.Retirements.Add(new Retirement
                {
                    AllocationId = allocationId, OrderId = orderId, AccountId = accountId, ProjectId = batch.ProjectId, BatchId = batch.Id,
                    Vintage = batch.Vintage, Grams = range.Grams, SerialStart = range.Start, SerialEnd = range.End,
                    SerialNumberRange = Retirement.RangeText(batch.SerialPrefix, batch.Id, range.Start, range.End),
                    RegistryUrl = batch.RegistryUrl, RetiredAt = now,
                });
            }
            got += take;
        }
        return got;
    }

    /// <summary>Marks these placed, covered orders fulfilled and queues their callbacks (in the caller's transaction); returns the ids it flipped.</summary>
    private async Task<HashSet<long>> CompleteAsync(List<(long Id, long AccountId, string PublicId, string? CallbackUrl)> orders, DateTime now, CancellationToken ct)
    {
        if (orders.Count == 0) return [];
        var ids = orders.Select(o => o.Id).ToArray();
        var flipped = await db.Orders.Where(o => ids.Contains(o.Id) && o.State == OrderState.Placed)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.State, OrderState.Fulfilled).SetProperty(o => o.FulfilledAt, now), ct);
        // Rarely fewer (an order made only of donations, cancelled meanwhile): find which ones this pass flipped.
        HashSet<long> done = flipped == ids.Length ? [.. ids]
            : [.. await db.Orders.Where(o => ids.Contains(o.Id) && o.State == OrderState.Fulfilled && o.FulfilledAt == now).Select(o => o.Id).ToListAsync(ct)];
        // The group's callback bodies are rendered together, as the orders now are in this transaction.
        var calling = orders.Where(o => done.Contains(o.Id) && o.CallbackUrl is not null).OrderBy(o => o.Id).ToList();
        var bodies = await callbackBody.RenderManyAsync(db, [.. calling.Select(o => o.Id)], ct);
        foreach (var order in calling)
            db.OutboxMessages.Add(OrderCallbacks.Message(order.AccountId, order.PublicId, "fulfilled", bodies[order.Id], now));
        await db.SaveChangesAsync(ct);
        return done;
    }

    /// <summary>
    /// Gives a cancelled order's retired grams back to their batches and takes it out of every line (in the caller's
    /// transaction, after <see cref="LockBatchesAsync"/>); returns the projects that got grams back, whose lines may now be served.
    /// </summary>
    internal static async Task<List<long>> ReleaseAsync(CanopyDbContext db, long orderId, DateTime now, CancellationToken ct)
    {
        await db.WaitingAllocations.Where(w => w.OrderId == orderId).ExecuteDeleteAsync(ct);
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
