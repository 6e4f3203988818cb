using Canopy.Data;
using Microsoft.EntityFrameworkCore;
using Stripe;

using Canopy.Payments;
using Canopy.Payments.Webhooks;

namespace Canopy.Checkout;

/// <summary>Places the order a paid checkout session stands for (implemented by the ordering core).</summary>
public interface ICheckoutOrderPlacer
{
    /// <summary>Places the session's order under its fixed order id, paid by <paramref name="paymentReference"/>; null, or why not.</summary>
    Task<string?> PlaceAsync(CheckoutSession session, string paymentReference, CancellationToken ct);
}

/// <summary>
/// <c>checkout.session.completed</c>: a customer paid a checkout session. Its order is placed once — under the order id
/// fixed when the session was made, which is unique, so a replayed or concurrent event cannot place a second — with the
/// session's webhook as the order's callback; the session becomes <c>complete</c>. If the order cannot be placed any
/// more (the portfolio was withdrawn), the payment is refunded and the session expires.
/// </summary>
internal sealed class CheckoutSessionCompletedHandler(CanopyDbContext db, ICheckoutOrderPlacer placer, ICardProcessor cards, TimeProvider time,
    ILogger<CheckoutSessionCompletedHandler> logger) : IStripeWebhookHandler
{
    public string EventType => EventTypes.CheckoutSessionCompleted;

    public async Task HandleAsync(Event stripeEvent, CancellationToken ct)
    {
        if (stripeEvent.Data.Object is not Stripe.Checkout.Session paid) return;
        var session = await db.Set<CheckoutSession>().AsNoTracking().FirstOrDefaultAsync(s => s.PublicId == paid.Id, ct);
        if (session is null || session.State == CheckoutState.Complete) return;
        if (paid.PaymentStatus != "paid")
        {
            logger.LogInformation("Checkout session {SessionId} completed without payment ({Status}); waiting", paid.Id, paid.PaymentStatus);
            return;
        }
        var reference = paid.PaymentIntentId ?? paid.Id;
        var error = await placer.PlaceAsync(session, reference, ct);
        var now = time.GetUtcNow().UtcDateTime;
        if (error is not null)
        {
            logger.LogWarning("Checkout session {SessionId} was paid but its order cannot be placed ({Error}): refunding", paid.Id, error);
            await cards.RefundAsync(reference, session.PriceUsdCents, $"checkout:{session.PublicId}:refund", ct);
            await db.Set<CheckoutSession>().Where(s => s.Id == session.Id && s.State != CheckoutState.Complete)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.State, CheckoutState.Expired).SetProperty(x => x.ProcessorIntentId, reference), ct);
            return;
        }
        await db.Set<CheckoutSession>().Where(s => s.Id == session.Id && s.State != CheckoutState.Complete)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.State, CheckoutState.Complete).SetProperty(x => x.CompletedAt, now)
                .SetProperty(x => x.ProcessorIntentId, reference), ct);
    }
}
