using Canopy.Data;
using Canopy.Ledger;
using Canopy.Ordering;
using Microsoft.EntityFrameworkCore;
using Stripe;

using Canopy.Payments;
using Canopy.Payments.Webhooks;

namespace Canopy.Ordering;

/// <summary>
/// <c>charge.dispute.created</c>: the card holder disputed a charge and Stripe took the money back for now. The
/// intent records the dispute, and the ledger moves the order's price (its share, for a partial dispute) out of
/// Stripe clearing into <c>card_disputes</c>, once (key <c>order:{id}:dispute</c>), where it waits for the operator.
/// </summary>
internal sealed class DisputeCreatedHandler(CanopyDbContext db, LedgerService ledger, LedgerAccounts ledgerAccounts, TimeProvider time,
    ILogger<DisputeCreatedHandler> logger) : IStripeWebhookHandler
{
    public string EventType => EventTypes.ChargeDisputeCreated;

    public async Task HandleAsync(Event stripeEvent, CancellationToken ct)
    {
        if (stripeEvent.Data.Object is not Dispute dispute) return;
        var intent = await db.Set<CardPaymentIntent>().FirstOrDefaultAsync(i => i.ChargeId == dispute.ChargeId, ct);
        var order = await db.Orders.AsNoTracking()
            .Where(o => o.PaymentMethod == Canopy.Ordering.PaymentMethod.Card && (o.PaymentReference == dispute.ChargeId || (intent != null && o.PublicId == intent.OrderPublicId)))
            .Select(o => new { o.PublicId, o.AccountId, o.PriceUsdCents, o.AmountCharged, o.OrderNumber }).FirstOrDefaultAsync(ct);
        logger.LogWarning("Charge {ChargeId} disputed ({Reason}, {Amount} {Currency}); order {OrderId}",
            dispute.ChargeId, dispute.Reason, dispute.Amount, dispute.Currency, order?.PublicId);
        if (order is null) return;

        // The ledger is in USD: the disputed share of the order's USD price.
        var usd = order.AmountCharged <= 0 || dispute.Amount >= order.AmountCharged
            ? order.PriceUsdCents
            : (long)((Int128)order.PriceUsdCents * dispute.Amount / order.AmountCharged);
        var key = $"order:{order.PublicId}:dispute";
        var clearing = await ledgerAccounts.EnsureAsync(LedgerAccountKind.StripeClearing, Chart.Currency, null, ct);
        var disputes = await ledgerAccounts.EnsureAsync(LedgerAccountKind.CardDisputes, Chart.Currency, null, ct);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (intent is not null)
        {
            intent.DisputeId = dispute.Id;
            intent.UpdatedAt = time.GetUtcNow().UtcDateTime;
        }
        if (usd > 0 && !await db.LedgerTransactions.AnyAsync(t => t.Key == key, ct))
            await ledger.PostAsync(key, PostingKind.CardDispute.Name(), Chart.Currency, order.AccountId, $"Dispute {dispute.Id} on order {order.OrderNumber}",
                [new Leg(clearing, usd), new Leg(disputes, -usd)], ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }
}
