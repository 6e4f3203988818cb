using System.Globalization;
using System.Net;
using Stripe;

namespace Canopy.Payments;

/// <summary>
/// Cards through Stripe (Stripe.net): a customer per account with the saved card as its default payment method;
/// each order is one off-session PaymentIntent, confirmed at once, with the order id in its metadata and an
/// idempotency key derived from the order. Errors become answers here: a decline or a card that needs its holder
/// to authenticate is <see cref="ChargeStatus.Declined"/>/<see cref="ChargeStatus.AuthenticationRequired"/>; a
/// Stripe 5xx, 429 or a timeout is <see cref="ChargeStatus.Unavailable"/> (outcome unknown: the reconciler settles it).
/// </summary>
public sealed class StripeCardProcessor(StripeClient stripe, ILogger<StripeCardProcessor> logger) : ICardProcessor
{
    public string Name => "stripe";

    public bool IsValidPaymentMethodId(string id) =>
        id.StartsWith("pm_", StringComparison.Ordinal) && id.Length is > 3 and <= 255 && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    public async Task<CardCharge> ChargeAsync(CardChargeRequest request, CancellationToken ct)
    {
        var options = new PaymentIntentCreateOptions
        {
            Amount = request.AmountMinor,
            Currency = request.Currency.ToLowerInvariant(),
            Customer = request.CustomerId,
            PaymentMethod = request.PaymentMethodId,
            Confirm = true,
            OffSession = true,
            Description = request.Description,
            Metadata = new Dictionary<string, string>
            {
                ["order_id"] = request.OrderPublicId ?? "",
                ["account_id"] = request.AccountId.ToString(CultureInfo.InvariantCulture),
            },
        };
        try
        {
            var intent = await stripe.V1.PaymentIntents.CreateAsync(options, new RequestOptions { IdempotencyKey = request.IdempotencyKey }, ct);
            return intent.Status switch
            {
                "succeeded" or "requires_capture" => new CardCharge(ChargeStatus.Approved, intent.LatestChargeId ?? intent.Id, null, null, intent.Id),
                "requires_action" => AuthenticationRequired(intent.Id),
                "processing" => new CardCharge(ChargeStatus.Unavailable, null, "processing", "The payment is still processing.", intent.Id),
                _ => new CardCharge(ChargeStatus.Declined, null, intent.LastPaymentError?.Code ?? "card_declined",
                    intent.LastPaymentError?.Message ?? "Your card was declined.", intent.Id),
            };
        }
        catch (StripeException ex) when (ex.StripeError?.Type == "card_error")
        {
            var e = ex.StripeError;
            var intentId = e.PaymentIntent?.Id;
            if (e.Code == "authentication_required" || e.DeclineCode == "authentication_required") return AuthenticationRequired(intentId);
            return new CardCharge(ChargeStatus.Declined, null, e.DeclineCode ?? e.Code ?? "card_declined", DeclineMessage(e), intentId);
        }
        catch (Exception ex) when (IsUnavailable(ex, ct))
        {
            logger.LogWarning(ex, "Stripe did not answer the charge {IdempotencyKey}; its outcome is unknown until reconciled", request.IdempotencyKey);
            return new CardCharge(ChargeStatus.Unavailable, null, null, "The payment processor is unavailable; try again shortly.");
        }
    }

    public async Task RefundAsync(string chargeId, long amountMinor, string idempotencyKey, CancellationToken ct)
    {
        var options = chargeId.StartsWith("pi_", StringComparison.Ordinal)
            ? new RefundCreateOptions { PaymentIntent = chargeId, Amount = amountMinor }
            : new RefundCreateOptions { Charge = chargeId, Amount = amountMinor };
        try
        {
            await stripe.V1.Refunds.CreateAsync(options, new RequestOptions { IdempotencyKey = idempotencyKey }, ct);
        }
        catch (StripeException ex) when (ex.StripeError?.Code == "charge_already_refunded")
        {
            // Refunded already (e.g. from Stripe's dashboard): the money is back, which is all a refund wants.
        }
    }

    public async Task<SavedCard> SaveCardAsync(CardOwner owner, string paymentMethodId, CancellationToken ct)
    {
        try
        {
            var customerId = owner.CustomerId;
            if (customerId is null)
            {
                var customer = await stripe.V1.Customers.CreateAsync(new CustomerCreateOptions
                {
                    Name = owner.Name,
                    Email = owner.Email,
                    Metadata = new Dictionary<string, string> { ["account_id"] = owner.AccountId.ToString(CultureInfo.InvariantCulture) },
                }, new RequestOptions { IdempotencyKey = $"account:{owner.AccountId}:customer" }, ct);
                customerId = customer.Id;
            }
            await stripe.V1.PaymentMethods.AttachAsync(paymentMethodId, new PaymentMethodAttachOptions { Customer = customerId }, null, ct);
            await stripe.V1.Customers.UpdateAsync(customerId, new CustomerUpdateOptions
            {
                InvoiceSettings = new CustomerInvoiceSettingsOptions { DefaultPaymentMethod = paymentMethodId },
            }, null, ct);
            return new SavedCard(customerId, null);
        }
        catch (StripeException ex) when (ex.HttpStatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound or HttpStatusCode.PaymentRequired)
        {
            return new SavedCard(owner.CustomerId, ex.StripeError?.Message ?? "Stripe refused the payment method.");
        }
        catch (Exception ex) when (IsUnavailable(ex, ct))
        {
            logger.LogWarning(ex, "Stripe did not answer while saving a card for account {AccountId}", owner.AccountId);
            return new SavedCard(owner.CustomerId, "The payment processor is unavailable; try again shortly.", Unavailable: true);
        }
    }

    public async Task<ProcessorChargeView> FindChargeAsync(string orderPublicId, string idempotencyKey, string? intentId, CancellationToken ct)
    {
        try
        {
            PaymentIntent? intent;
            if (intentId is not null)
                intent = await stripe.V1.PaymentIntents.GetAsync(intentId, null, null, ct);
            else
            {
                var found = await stripe.V1.PaymentIntents.SearchAsync(new PaymentIntentSearchOptions
                {
                    Query = $"metadata['order_id']:'{orderPublicId}'",
                }, null, ct);
                intent = found.Data.FirstOrDefault();
            }
            if (intent is null) return new ProcessorChargeView(ProcessorChargeState.NotCharged, null, null);
            return intent.Status switch
            {
                "succeeded" or "requires_capture" => new ProcessorChargeView(ProcessorChargeState.Charged, intent.Id, intent.LatestChargeId ?? intent.Id),
                "processing" => new ProcessorChargeView(ProcessorChargeState.Unknown, intent.Id, null),
                _ => new ProcessorChargeView(ProcessorChargeState.NotCharged, intent.Id, null),
            };
        }
        catch (Exception ex) when (IsUnavailable(ex, ct))
        {
            logger.LogWarning(ex, "Stripe did not answer the reconciliation of order {OrderId}", orderPublicId);
            return new ProcessorChargeView(ProcessorChargeState.Unknown, intentId, null);
        }
    }

    private static CardCharge AuthenticationRequired(string? intentId) => new(ChargeStatus.AuthenticationRequired, null, "authentication_required",
        "Your card requires authentication, which a charge made on your behalf cannot do; use another card.", intentId);

    private static string DeclineMessage(StripeError e) => e.DeclineCode switch
    {
        "insufficient_funds" => "Your card has insufficient funds.",
        "expired_card" => "Your card has expired.",
        _ => e.Code == "expired_card" ? "Your card has expired." : "Your card was declined.",
    };

    /// <summary>Stripe's side failed (5xx, 429, a timeout, the network): the outcome of a write is unknown.</summary>
    internal static bool IsUnavailable(Exception ex, CancellationToken ct) => ex switch
    {
        StripeException s => s.HttpStatusCode is >= HttpStatusCode.InternalServerError or HttpStatusCode.TooManyRequests
            || s.StripeError?.Type == "api_error" || s.InnerException is HttpRequestException or TaskCanceledException,
        HttpRequestException => true,
        TaskCanceledException or TimeoutException => !ct.IsCancellationRequested,
        _ => false,
    };
}
