using Canopy.Accounts;
using Canopy.Data;
using Canopy.Payments;
using Canopy.Payments.Webhooks;
using Microsoft.EntityFrameworkCore;

using Canopy.Ordering;
namespace Canopy.Checkout;

/// <summary>
/// Places a paid checkout session's order through the ordering core: under the order id fixed with the session (its
/// unique index makes a second placement fail harmlessly), paid by the Stripe payment, with the session's webhook.
/// </summary>
internal sealed class CheckoutOrderPlacer(OrderService orders, AccountContextCache contexts, CanopyDbContext db) : ICheckoutOrderPlacer
{
    public async Task<string?> PlaceAsync(CheckoutSession session, string paymentReference, CancellationToken ct)
    {
        if (await db.Orders.AnyAsync(o => o.PublicId == session.OrderPublicId, ct)) return null;
        var token = await db.ApiTokens.AsNoTracking().Where(t => t.Id == session.TokenId)
            .Select(t => new { t.Kind, t.UserId }).FirstOrDefaultAsync(ct);
        var caller = new Caller(session.AccountId, session.TokenId, session.Mode, token?.Kind ?? TokenKind.Team, token?.UserId);
        var context = await contexts.GetAsync(session.AccountId, ct);
        var subaccount = session.SubaccountId is { } sid ? context.Subaccounts.Values.FirstOrDefault(s => s.Id == sid) : null;
        try
        {
            var outcome = await orders.PlaceAsync(new OrderCommand
            {
                Caller = caller,
                Dialect = Dialect.Cnaught,
                Source = new OrderSource.Portfolio(session.PortfolioId, null),
                Amount = new OrderAmount.Kilograms(session.Grams / 1000m),
                Payment = PaymentChoice.Card,
                Subaccount = subaccount,
                Description = session.OrderDescription,
                CallbackUrl = session.OrderWebhookUrl,
                PublicId = session.OrderPublicId,
                PaidReference = paymentReference,
                CheckoutSessionId = session.PublicId,
                AgreedUsdCents = session.PriceUsdCents,
            }, null, ct);
            return outcome is OrderOutcome.Failed failed ? failed.Error.Message : null;
        }
        catch (Exception e) when (e.IsUniqueViolation(db, "ix_orders_public_id"))
        {
            return await PlacedMeanwhileAsync(session) ? null : throw new InvalidOperationException($"Checkout order {session.OrderPublicId} could not be written.", e);
        }
    }

    /// <summary>A concurrent delivery of the same event placed it first (the order id is unique).</summary>
    private Task<bool> PlacedMeanwhileAsync(CheckoutSession session)
    {
        db.ChangeTracker.Clear();
        return db.Orders.AnyAsync(o => o.PublicId == session.OrderPublicId, CancellationToken.None);
    }
}
