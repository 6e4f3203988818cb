using System.Globalization;
using Stripe;

using Canopy.Payments;
namespace Canopy.Checkout;

public sealed record HostedCheckoutRequest(long AccountId, string OrderPublicId, long AmountUsdCents, string ProductName,
    string SuccessUrl, string CancelUrl, string? Email, DateTime ExpiresAt);

/// <summary>A hosted payment page: its id and URL, or why there is none (<see cref="Unavailable"/>: try again).</summary>
public sealed record HostedCheckout(string? SessionId, string? Url, string? Error, bool Unavailable = false);

/// <summary>Creates hosted payment pages (Stripe Checkout). Registered only when Stripe is the processor.</summary>
public interface ICheckoutProcessor
{
    Task<HostedCheckout> CreateAsync(HostedCheckoutRequest request, CancellationToken ct);
}

internal sealed class StripeCheckoutProcessor(StripeClient stripe, ILogger<StripeCheckoutProcessor> logger) : ICheckoutProcessor
{
    public async Task<HostedCheckout> CreateAsync(HostedCheckoutRequest r, CancellationToken ct)
    {
        var options = new Stripe.Checkout.SessionCreateOptions
        {
            Mode = "payment",
            SuccessUrl = r.SuccessUrl,
            CancelUrl = r.CancelUrl,
            CustomerEmail = r.Email,
            ClientReferenceId = r.OrderPublicId,
            ExpiresAt = r.ExpiresAt,
            LineItems =
            [
                new Stripe.Checkout.SessionLineItemOptions
                {
                    Quantity = 1,
                    PriceData = new Stripe.Checkout.SessionLineItemPriceDataOptions
                    {
                        Currency = "usd",
                        UnitAmount = r.AmountUsdCents,
                        ProductData = new Stripe.Checkout.SessionLineItemPriceDataProductDataOptions { Name = r.ProductName },
                    },
                },
            ],
            Metadata = new Dictionary<string, string>
            {
                ["order_id"] = r.OrderPublicId,
                ["account_id"] = r.AccountId.ToString(CultureInfo.InvariantCulture),
            },
            PaymentIntentData = new Stripe.Checkout.SessionPaymentIntentDataOptions
            {
                Metadata = new Dictionary<string, string> { ["order_id"] = r.OrderPublicId },
            },
        };
        try
        {
            var session = await stripe.V1.Checkout.Sessions.CreateAsync(options,
                new RequestOptions { IdempotencyKey = $"order:{r.OrderPublicId}:checkout" }, ct);
            return new HostedCheckout(session.Id, session.Url, null);
        }
        catch (StripeException ex) when (ex.HttpStatusCode == System.Net.HttpStatusCode.BadRequest)
        {
            return new HostedCheckout(null, null, ex.StripeError?.Message ?? "Stripe refused the checkout session.");
        }
        catch (Exception ex) when (StripeCardProcessor.IsUnavailable(ex, ct))
        {
            logger.LogWarning(ex, "Stripe did not answer the checkout session for order {OrderId}", r.OrderPublicId);
            return new HostedCheckout(null, null, "The payment processor is unavailable; try again shortly.", Unavailable: true);
        }
    }
}
