using Canopy.Data;
using Canopy.Ordering;
using Microsoft.EntityFrameworkCore;
using Stripe;

using Canopy.Payments;
using Canopy.Payments.Webhooks;

namespace Canopy.Ordering;

/// <summary>
/// <c>charge.refunded</c>: a charge was refunded in full — by Canopy (a cancellation, the reconciler) or outside it
/// (Stripe's dashboard). An order still standing on that charge is cancelled the way any cancellation is (the
/// reversing ledger transaction, the order's state, the inventory back); the refund Canopy then asks Stripe for is
/// answered "already refunded", which is done. A partial refund is only logged: the operator decides.
/// </summary>
internal sealed class ChargeRefundedHandler(CanopyDbContext db, OrderCancellation cancellation, TimeProvider time,
    ILogger<ChargeRefundedHandler> logger) : IStripeWebhookHandler
{
    public string EventType => EventTypes.ChargeRefunded;

    public async Task HandleAsync(Event stripeEvent, CancellationToken ct)
    {
        if (stripeEvent.Data.Object is not Charge charge) return;
        var intent = await db.Set<CardPaymentIntent>().FirstOrDefaultAsync(i => i.ChargeId == charge.Id
            || (charge.PaymentIntentId != null && i.ProcessorIntentId == charge.PaymentIntentId), ct);
        var order = await db.Orders.AsNoTracking()
            .Where(o => o.PaymentMethod == Canopy.Ordering.PaymentMethod.Card && (o.PaymentReference == charge.Id
                || (intent != null && o.PublicId == intent.OrderPublicId)))
            .Select(o => new { o.PublicId, o.AccountId, o.Mode, o.State }).FirstOrDefaultAsync(ct);
        if (!charge.Refunded)
        {
            logger.LogWarning("Charge {ChargeId} was partly refunded ({Refunded} of {Amount}) outside Canopy; order {OrderId} left as it is",
                charge.Id, charge.AmountRefunded, charge.Amount, order?.PublicId);
            return;
        }
        if (intent is not null && intent.Status != IntentStatus.Refunded)
        {
            intent.Status = order is null ? IntentStatus.Refunded : intent.Status;
            intent.ChargeId ??= charge.Id;
            intent.UpdatedAt = time.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(ct);
        }
        if (order is { State: not OrderState.Cancelled })
        {
            await cancellation.CancelAsync(new CancelOrderCommand { PublicId = order.PublicId, AccountId = order.AccountId, Mode = order.Mode }, ct);
            logger.LogInformation("Order {OrderId} cancelled: its charge {ChargeId} was refunded at Stripe", order.PublicId, charge.Id);
        }
    }
}
