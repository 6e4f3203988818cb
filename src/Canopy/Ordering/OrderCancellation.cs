using System.Text.Json;
using Canopy.Accounts;
using Canopy.Catalog;
using Canopy.Data;
using Canopy.Ledger;
using Canopy.Notifications;
using Microsoft.EntityFrameworkCore;
using Canopy.Outbox;

namespace Canopy.Ordering;

/// <summary>
/// Which order to cancel. A customer's cancel names its account and mode (and subaccount, and the kinds its dialect
/// shows); the operator's names only the order.
/// </summary>
public sealed record CancelOrderCommand
{
    public required string PublicId { get; init; }
    /// <summary>Null for the operator: any account.</summary>
    public long? AccountId { get; init; }
    public TokenMode? Mode { get; init; }
    public long? SubaccountId { get; init; }
    /// <summary>The kinds of order the caller can see; null for all.</summary>
    public IReadOnlyCollection<OrderKind>? Kinds { get; init; }
}

public enum CancelError { NotFound, AlreadyCancelled }

/// <summary>The cancelled order, or why not.</summary>
public sealed record CancelOutcome(Order? Order, CancelError? Error)
{
    public static CancelOutcome Fail(CancelError error, Order? order = null) => new(order, error);
}

/// <summary>
/// Cancels a placed or fulfilled order (DESIGN §5) in one database transaction: the state flips once (a second cancel
/// gets <see cref="CancelError.AlreadyCancelled"/>), retired grams go back to their batches for waiting and later orders,
/// and money goes back the way it came as the reverse of the order's payment posting, with a unique key: credits returned, the card
/// refunded (outbox <c>payment.refund</c>, tried at once and retried by the worker), or a credit on the invoice account's
/// receivable, which the month's invoice shows as a credit line.
/// </summary>
public sealed class OrderCancellation(CanopyDbContext db, LedgerService ledger, OutboxProcessor outbox,
    IFulfilmentReversal fulfilment, TimeProvider time)
{
    public async Task<CancelOutcome> CancelAsync(CancelOrderCommand cmd, CancellationToken ct)
    {
        var query = db.Orders.AsNoTracking().Where(o => o.PublicId == cmd.PublicId);
        if (cmd.AccountId is { } accountId) query = query.Where(o => o.AccountId == accountId);
        if (cmd.Mode is { } mode) query = query.Where(o => o.Mode == mode);
        if (cmd.SubaccountId is { } sub) query = query.Where(o => o.SubaccountId == sub);
        if (cmd.Kinds is { } kinds) query = query.Where(o => kinds.Contains(o.Kind));
        var order = await query.Include(o => o.Allocations).FirstOrDefaultAsync(ct);
        if (order is null) return CancelOutcome.Fail(CancelError.NotFound);
        if (order.State == OrderState.Cancelled) return CancelOutcome.Fail(CancelError.AlreadyCancelled, order);

        // Money goes back the way it came: the reverse of the order's own payment posting, never rebuilt from the order.
        var charged = order.Mode == TokenMode.Live && order.PriceUsdCents > 0;
        LedgerPosting? refundPosting = null;
        if (charged)
        {
            var payment = await ledger.FindAsync($"order:{order.PublicId}:payment", ct)
                ?? throw new InvalidOperationException($"Order {order.PublicId} was charged but its payment was never posted (GET /admin/ledger/check reports it).");
            refundPosting = payment.Reverse($"order:{order.PublicId}:refund", PostingKind.OrderRefund, $"Cancellation of order {order.OrderNumber}")
                with { AccountId = order.AccountId };
        }
        var allocationProjects = order.Allocations.Select(a => a.ProjectId).Distinct().ToList();
        var stocked = await db.Projects.Where(p => allocationProjects.Contains(p.Id) && p.Kind == ProjectKind.Offset)
            .Select(p => p.Id).OrderBy(id => id).ToListAsync(ct);

        var now = time.GetUtcNow().UtcDateTime;
        OutboxMessage? refund = null;
        OutboxMessage? serveWaiting = null;
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            // Batches first, as fulfilment takes them, so that a fulfilment running now either finishes before this
            // (and its retirements are released below) or waits and then sees the order cancelled.
            await fulfilment.LockBatchesAsync(db, stocked, ct);
            // The conditional update makes two concurrent cancels safe: only one flips the state.
            var flipped = await db.Orders.Where(o => o.Id == order.Id && o.State != OrderState.Cancelled)
                .ExecuteUpdateAsync(s => s.SetProperty(o => o.State, OrderState.Cancelled).SetProperty(o => o.CancelledAt, now), ct);
            if (flipped == 0)
            {
                await tx.RollbackAsync(ct);
                return CancelOutcome.Fail(CancelError.AlreadyCancelled, order);
            }
            await db.OrderAllocations.Where(a => a.OrderId == order.Id).ExecuteUpdateAsync(s => s.SetProperty(a => a.Cancelled, true), ct);
            var released = await fulfilment.ReleaseAsync(db, order.Id, now, ct);
            if (refundPosting is not null) await ledger.PostAsync(refundPosting, ct);
            var payload = JsonSerializer.Serialize(new { order_id = order.PublicId });
            if (order.CallbackUrl is not null)
                db.OutboxMessages.Add(await fulfilment.CallbackAsync(db, order, "cancelled", now, ct));
            if (charged && order.PaymentMethod == PaymentMethod.Card && order.PaymentReference is not null)
                db.OutboxMessages.Add(refund = new OutboxMessage { AccountId = order.AccountId, Topic = OutboxTopics.CardRefund, Subject = order.PublicId, Payload = payload, CreatedAt = now, AvailableAt = now });
            if (released.Count > 0)
                db.OutboxMessages.Add(serveWaiting = fulfilment.ServeWaiting(released, now));
            await db.SaveChangesAsync(ct);
            if (order.Mode == TokenMode.Live) await SubtractFromTotalsAsync(order, ct);
            await tx.CommitAsync(CancellationToken.None);
        }

        // Both are recorded in the outbox; try them now, and the outbox worker retries what fails.
        if (refund is not null) await outbox.TryAsync(refund.Id, CancellationToken.None);
        if (serveWaiting is not null) await outbox.TryAsync(serveWaiting.Id, CancellationToken.None);

        var cancelled = await db.Orders.AsNoTracking().Include(o => o.Allocations).ThenInclude(a => a.Retirements).AsSplitQuery()
            .FirstAsync(o => o.Id == order.Id, CancellationToken.None);
        return new CancelOutcome(cancelled, null);
    }

    private Task<int> SubtractFromTotalsAsync(Order order, CancellationToken ct)
    {
        var (certified, uncertified, trees) = TotalsChange.Of(order);
        return db.AccountTotals.Where(t => t.AccountId == order.AccountId).ExecuteUpdateAsync(s => s
            .SetProperty(t => t.CertifiedGrams, t => t.CertifiedGrams - certified)
            .SetProperty(t => t.UncertifiedGrams, t => t.UncertifiedGrams - uncertified)
            .SetProperty(t => t.Trees, t => t.Trees - trees)
            .SetProperty(t => t.Orders, t => t.Orders - 1), ct);
    }
}
