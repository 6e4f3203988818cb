using Canopy.Data;
using Microsoft.EntityFrameworkCore;
using Stripe;

namespace Canopy.Payments.Webhooks;

/// <summary>
/// <c>payment_intent.succeeded</c>: the intent is charged. An intent whose answer was lost (timeout, crash) learns its
/// charge here; its order, if it committed, gets the charge as its payment reference. Whether the charge has an
/// order at all is then the reconciler's question.
/// </summary>
internal sealed class PaymentIntentSucceededHandler(CanopyDbContext db, IChargedOrders orders, TimeProvider time) : IStripeWebhookHandler
{
    public string EventType => EventTypes.PaymentIntentSucceeded;

    public async Task HandleAsync(Event stripeEvent, CancellationToken ct)
    {
        if (stripeEvent.Data.Object is not PaymentIntent pi) return;
        var intent = await IntentLookup.FindAsync(db, pi, ct);
        if (intent is null) return; // a checkout session's payment: checkout.session.completed places its order
        if (intent.Status is IntentStatus.Pending or IntentStatus.Unknown or IntentStatus.Failed)
            intent.Status = IntentStatus.Succeeded;
        intent.ProcessorIntentId = pi.Id;
        intent.ChargeId ??= pi.LatestChargeId;
        intent.UpdatedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        if (intent.ChargeId is { } chargeId)
            await orders.RecordChargeAsync(db, intent.OrderPublicId, chargeId, ct);
    }
}

internal static class IntentLookup
{
    /// <summary>The intent a Stripe PaymentIntent belongs to: by its id, else by the order id in its metadata.</summary>
    public static async Task<CardPaymentIntent?> FindAsync(CanopyDbContext db, PaymentIntent pi, CancellationToken ct)
    {
        var intents = db.Set<CardPaymentIntent>();
        var byId = await intents.FirstOrDefaultAsync(i => i.ProcessorIntentId == pi.Id, ct);
        if (byId is not null) return byId;
        return pi.Metadata is not null && pi.Metadata.TryGetValue("order_id", out var orderId) && !string.IsNullOrEmpty(orderId)
            ? await intents.FirstOrDefaultAsync(i => i.OrderPublicId == orderId, ct)
            : null;
    }
}
