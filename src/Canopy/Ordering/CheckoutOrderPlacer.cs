using Canopy.Accounts;
using Canopy.Catalog;
using Canopy.Data;
using Canopy.Payments;
using Canopy.Payments.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Ordering;

/// <summary>
/// Places a paid checkout session's order through the ordering core: under the order id fixed with the session (its
/// unique index makes a second placement fail harmlessly), paid by the Stripe payment, with the session's webhook.
/// </summary>
internal sealed class CheckoutOrderPlacer(OrderService orders, CatalogCache catalog, CanopyDbContext db) : ICheckoutOrderPlacer
{
    public async Task<string?> PlaceAsync(CheckoutSession session, string paymentReference, CancellationToken ct)
    {
        if (await db.Orders.AnyAsync(o => o.PublicId == session.OrderPublicId, ct)) return null;
        var snapshot = await catalog.GetAsync(ct);
        if (!snapshot.PortfoliosById.TryGetValue(session.PortfolioId, out var portfolio) || !portfolio.Active)
            return $"Portfolio {session.PortfolioId} is no longer available.";
        var token = await db.ApiTokens.AsNoTracking().Where(t => t.Id == session.TokenId)
            .Select(t => new { t.Kind, t.UserId }).FirstOrDefaultAsync(ct);
        var caller = new Caller(session.AccountId, session.TokenId, session.Mode, token?.Kind ?? TokenKind.Team, token?.UserId);
        try
        {
            var outcome = await orders.PlaceAsync(new OrderCommand
            {
                Caller = caller,
                Dialect = Dialect.Cnaught,
                Kind = OrderKind.Offset,
                Target = new Target.FromPortfolio(portfolio),
                Quantity = new Quantity.Grams(session.Grams),
                Payment = PaymentMethod.Card,
                Sandbox = session.Mode == TokenMode.Test,
                SubaccountId = session.SubaccountId,
                Description = session.OrderDescription,
                CallbackUrl = session.OrderWebhookUrl,
                PublicId = session.OrderPublicId,
                PaidReference = paymentReference,
            }, ct);
            return outcome.Error?.Message;
        }
        catch (DbUpdateException)
        {
            // Placed by a concurrent delivery of the same event (the order id is unique), or a real failure: rethrown.
            db.ChangeTracker.Clear();
            if (await db.Orders.AnyAsync(o => o.PublicId == session.OrderPublicId, CancellationToken.None)) return null;
            throw;
        }
    }
}
