using Canopy.Data;
using Canopy.Notifications;
using Microsoft.EntityFrameworkCore;
using Canopy.Outbox;

using Canopy.Payments;

namespace Canopy.Ordering;

/// <summary>
/// Refunds the card charge of a cancelled order (outbox topic <c>payment.refund</c>). The ledger already shows the
/// refund (posted with the cancellation); this moves the money. The processor's idempotency key makes repeats harmless.
/// </summary>
internal sealed class CardRefundHandler(CanopyDbContext db, ICardProcessor cards) : IOutboxHandler
{
    public string Topic => OutboxTopics.CardRefund;

    public async Task HandleAsync(OutboxMessage message, CancellationToken ct)
    {
        var order = await db.Orders.AsNoTracking()
            .Where(o => o.PublicId == message.Subject && o.AccountId == message.AccountId)
            .Select(o => new { o.PublicId, o.PaymentReference, o.AmountCharged })
            .FirstOrDefaultAsync(ct) ?? throw new InvalidOperationException($"Order {message.Subject} to refund does not exist.");
        if (order.PaymentReference is null) throw new InvalidOperationException($"Order {order.PublicId} has no card charge to refund.");
        await cards.RefundAsync(order.PaymentReference, order.AmountCharged, $"order:{order.PublicId}:refund", ct);
    }
}
