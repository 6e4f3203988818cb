using Canopy.Data;
using Microsoft.EntityFrameworkCore;
using Stripe;


using Canopy.Payments.Webhooks;

namespace Canopy.Checkout;

/// <summary><c>checkout.session.expired</c>: an open session nobody paid becomes <c>expired</c>.</summary>
internal sealed class CheckoutSessionExpiredHandler(CanopyDbContext db) : IStripeWebhookHandler
{
    public string EventType => EventTypes.CheckoutSessionExpired;

    public async Task HandleAsync(Event stripeEvent, CancellationToken ct)
    {
        if (stripeEvent.Data.Object is not Stripe.Checkout.Session session) return;
        await db.Set<CheckoutSession>().Where(s => s.PublicId == session.Id && s.State == CheckoutState.Open)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.State, CheckoutState.Expired), ct);
    }
}
