using System.Text.Json;
using Canopy.Accounts;
using Canopy.Data;
using Canopy.Ledger;
using Canopy.Notifications;
using Canopy.Payments;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Ordering;

public enum CancelResult { Cancelled, NotFound, AlreadyCancelled }

/// <summary>
/// Cancels an order (DESIGN §5): money goes back the way it came — credits returned, card refunded, or a credit on
/// the open invoice — as one reversing ledger transaction, in the same database transaction as the state change.
/// </summary>
public sealed class OrderCancellation(CanopyDbContext db, LedgerService ledger, LedgerAccounts ledgerAccounts, OutboxProcessor outbox,
    TimeProvider time)
{
    public async Task<(CancelResult Result, Order? Order)> CancelAsync(long accountId, TokenMode mode, string publicId, long? subaccountId, CancellationToken ct)
    {
        var order = await db.Orders.AsNoTracking().Include(o => o.Allocations)
            .FirstOrDefaultAsync(o => o.PublicId == publicId && o.AccountId == accountId && o.Mode == mode
                && (subaccountId == null || o.SubaccountId == subaccountId), ct);
        if (order is null) return (CancelResult.NotFound, null);
        if (order.State == OrderState.Cancelled) return (CancelResult.AlreadyCancelled, order);

        var charged = order.Mode == TokenMode.Live && order.PriceUsdCents > 0;
        List<Leg> legs = [];
        if (charged)
        {
            var source = order.PaymentMethod switch
            {
                PaymentMethod.Credits => await ledgerAccounts.EnsureAsync(LedgerAccountKind.CustomerCredits, "USD", accountId, ct),
                PaymentMethod.Card => await ledgerAccounts.EnsureAsync(LedgerAccountKind.StripeClearing, "USD", null, ct),
                PaymentMethod.Invoice => await ledgerAccounts.EnsureAsync(LedgerAccountKind.CustomerReceivable, "USD", accountId, ct),
            };
            legs.Add(new Leg(source, order.PriceUsdCents));
            foreach (var g in order.Allocations.GroupBy(a => a.ProjectId))
                legs.Add(new Leg(await ledgerAccounts.EnsureAsync(LedgerAccountKind.ProjectPayable, "USD", g.Key, ct), -g.Sum(a => a.PriceUsdCents)));
        }

        var now = time.GetUtcNow().UtcDateTime;
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            // The conditional update makes two concurrent cancels safe: only one flips the state.
            var flipped = await db.Orders.Where(o => o.Id == order.Id && o.State != OrderState.Cancelled)
                .ExecuteUpdateAsync(s => s.SetProperty(o => o.State, OrderState.Cancelled).SetProperty(o => o.CancelledAt, now), ct);
            if (flipped == 0)
            {
                await tx.RollbackAsync(ct);
                return (CancelResult.AlreadyCancelled, order);
            }
            await db.OrderAllocations.Where(a => a.OrderId == order.Id).ExecuteUpdateAsync(s => s.SetProperty(a => a.Cancelled, true), ct);
            if (legs.Count > 0)
                await ledger.PostAsync($"order:{order.PublicId}:refund", "order_refund", "USD", accountId, $"Cancellation of order {order.OrderNumber}", legs, ct);
            var payload = JsonSerializer.Serialize(new { order_id = order.PublicId });
            if (order.CallbackUrl is not null)
                db.OutboxMessages.Add(new OutboxMessage { AccountId = accountId, Topic = OutboxTopics.OrderCallback, Subject = order.PublicId, Payload = payload, CreatedAt = now, AvailableAt = now });
            OutboxMessage? refund = null;
            if (charged && order.PaymentMethod == PaymentMethod.Card && order.PaymentReference is not null)
                db.OutboxMessages.Add(refund = new OutboxMessage { AccountId = accountId, Topic = OutboxTopics.CardRefund, Subject = order.PublicId, Payload = payload, CreatedAt = now, AvailableAt = now });
            await db.SaveChangesAsync(ct);
            if (order.Mode == TokenMode.Live) await SubtractFromTotalsAsync(order, ct);
            await tx.CommitAsync(CancellationToken.None);

            // The refund is recorded in the outbox; try it now, and the outbox worker retries it if this fails.
            if (refund is not null) await outbox.TryAsync(refund.Id, CancellationToken.None);
        }

        order.State = OrderState.Cancelled;
        order.CancelledAt = now;
        return (CancelResult.Cancelled, order);
    }

    private Task<int> SubtractFromTotalsAsync(Order order, CancellationToken ct)
    {
        var certified = order.Allocations.Where(a => a.Certified).Sum(a => a.Grams);
        var uncertified = order.Allocations.Where(a => !a.Certified).Sum(a => a.Grams);
        long trees = order.Trees;
        return db.AccountTotals.Where(t => t.AccountId == order.AccountId).ExecuteUpdateAsync(s => s
            .SetProperty(t => t.CertifiedGrams, t => t.CertifiedGrams - certified)
            .SetProperty(t => t.UncertifiedGrams, t => t.UncertifiedGrams - uncertified)
            .SetProperty(t => t.Trees, t => t.Trees - trees)
            .SetProperty(t => t.Orders, t => t.Orders - 1), ct);
    }
}
