using System.Globalization;
using Canopy.Accounts;
using Canopy.Data;
using Canopy.Fulfilment;
using Canopy.Kernel;
using Canopy.Ordering;
using Canopy.Platform;

namespace Canopy.Checkout;

/// <summary>The amounts one hosted checkout may take: Stripe's bounds for one USD payment.</summary>
public static class CheckoutLimits
{
    /// <summary>Stripe Checkout takes at most USD 999 999.99 in one payment.</summary>
    public const long MaxPriceUsdCents = 99_999_999;
    /// <summary>Stripe's own minimum for a USD payment.</summary>
    public const long MinPriceUsdCents = 50;
}

/// <summary>
/// A checkout session to open for a caller: a quantity (kilograms) or a price, from a portfolio (null: the account's
/// default); <see cref="QuantityField"/> names the amount's field in the caller's request, for errors.
/// </summary>
public sealed record NewCheckout(Caller Caller, SubaccountContext? Subaccount, decimal? AmountKg, long? PriceUsdCents, string? PortfolioId,
    string SuccessUrl, string CancelUrl, string? Email, string? Description, string? WebhookUrl)
{
    public string QuantityField => AmountKg is null ? "price_usd_cents" : "amount_kg";
}

/// <summary>What opening a checkout gave: the session, the ordering core's refusal to price it, or another failure.</summary>
public abstract record CheckoutOutcome
{
    private CheckoutOutcome() { }

    public sealed record Opened(CheckoutSession Session, string PortfolioPublicId) : CheckoutOutcome;

    /// <summary>Priced like an order, refused like one: the surface shapes it as it shapes an order's error.</summary>
    public sealed record NotPriced(OrderError Error) : CheckoutOutcome;

    public sealed record Failed(WriteFailure Failure) : CheckoutOutcome;
}

/// <summary>
/// Opens hosted checkout sessions (Stripe Checkout): priced through the one pricing entry point, bounded by Stripe's
/// limits, stored with the order id fixed in advance so that the paid session's order is placed once.
/// </summary>
internal sealed class CheckoutService(CanopyDbContext db, OrderPricer pricer, IServiceProvider services, TimeProvider time, IConfiguration config)
{
    public async Task<CheckoutOutcome> OpenAsync(NewCheckout r, CancellationToken ct)
    {
        if (r.WebhookUrl is not null && !CallbackTargets.IsAllowedUrl(r.WebhookUrl, CallbackTargets.AllowPrivate(config)))
            return Fail(new WriteFailure.Invalid("notification_config.url", "Callbacks to private or loopback addresses are not allowed."));
        var checkout = services.GetService<ICheckoutProcessor>();
        if (checkout is null)
            return Fail(new WriteFailure.Forbidden("Checkout not available", "Checkout sessions need Stripe (Payments:Provider=stripe); ask the operator."));

        // Priced like an order or a quote of the same amount (the one pricing entry point), paid by card.
        var (priced, error) = await pricer.PriceAsync(new OrderCommand
        {
            Caller = r.Caller,
            Dialect = Dialect.Cnaught,
            Source = r.PortfolioId is { } pid ? new OrderSource.Portfolio(null, pid) : new OrderSource.DefaultPortfolio(),
            Amount = r.AmountKg is { } kg ? new OrderAmount.Kilograms(kg) : new OrderAmount.UsdCents(r.PriceUsdCents!.Value),
            Payment = PaymentChoice.Card,
            Subaccount = r.Subaccount,
        }, PricingPurpose.Quote, ct);
        if (error is not null) return new CheckoutOutcome.NotPriced(error);
        var (portfolio, split) = (priced!.Portfolio!, priced.Split);
        if (split.Cents < CheckoutLimits.MinPriceUsdCents || split.Cents > CheckoutLimits.MaxPriceUsdCents)
            return Fail(new WriteFailure.Invalid(r.QuantityField,
                $"A checkout session must cost from {CheckoutLimits.MinPriceUsdCents} to {CheckoutLimits.MaxPriceUsdCents} USD cents; this one costs {split.Cents}."));

        var now = time.GetUtcNow().UtcDateTime;
        var expiresAt = now.AddMinutes(Math.Clamp(config.GetValue("Payments:CheckoutExpiryMinutes", 1440), 30, 1440));
        var orderId = Tokens.RandomString(12);
        var hosted = await checkout.CreateAsync(new HostedCheckoutRequest(r.Caller.AccountId, orderId, split.Cents,
            $"{Decimals.FromScaled(split.Grams, 3).ToString(CultureInfo.InvariantCulture)} kg CO₂e removal: {portfolio.Name}",
            r.SuccessUrl, r.CancelUrl, r.Email, expiresAt), ct);
        if (hosted.Unavailable)
            return Fail(new WriteFailure.Unavailable(hosted.Error ?? "The payment processor is unavailable; try again shortly."));
        if (hosted.Error is not null || hosted.SessionId is null || hosted.Url is null)
            return Fail(new WriteFailure.Invalid("success_url", hosted.Error ?? "Stripe refused the checkout session."));

        var session = new CheckoutSession
        {
            PublicId = hosted.SessionId, AccountId = r.Caller.AccountId, SubaccountId = r.Subaccount?.Id, Mode = r.Caller.Mode,
            TokenId = r.Caller.TokenId, PortfolioId = portfolio.Id, Grams = split.Grams, PriceUsdCents = split.Cents,
            SuccessUrl = r.SuccessUrl, CancelUrl = r.CancelUrl, CheckoutUrl = hosted.Url, Email = r.Email,
            OrderDescription = r.Description, OrderWebhookUrl = r.WebhookUrl, State = CheckoutState.Open,
            CreatedAt = now, ExpiresAt = expiresAt, OrderPublicId = orderId,
        };
        db.Add(session);
        await db.SaveChangesAsync(ct);
        return new CheckoutOutcome.Opened(session, portfolio.PublicId);
    }

    private static CheckoutOutcome.Failed Fail(WriteFailure failure) => new(failure);
}
