using Canopy.Data;
using Stripe;

namespace Canopy.Payments.Webhooks;

/// <summary>
/// <c>payment_intent.payment_failed</c>: no money moved. An intent still open (its answer lost) is failed, with
/// Stripe's reason; no order was written for it, so there is nothing to undo.
/// </summary>
internal sealed class PaymentIntentFailedHandler(CanopyDbContext db, TimeProvider time) : IStripeWebhookHandler
{
    public string EventType => EventTypes.PaymentIntentPaymentFailed;

    public async Task HandleAsync(Event stripeEvent, CancellationToken ct)
    {
        if (stripeEvent.Data.Object is not PaymentIntent pi) return;
        var intent = await IntentLookup.FindAsync(db, pi, ct);
        if (intent is null || intent.Status is not (IntentStatus.Pending or IntentStatus.Unknown)) return;
        intent.Status = IntentStatus.Failed;
        intent.ProcessorIntentId = pi.Id;
        intent.FailureCode = CardPayments.Truncate(pi.LastPaymentError?.DeclineCode ?? pi.LastPaymentError?.Code ?? "payment_failed", 100);
        intent.FailureMessage = CardPayments.Truncate(pi.LastPaymentError?.Message, 1000);
        intent.UpdatedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
    }
}
