using Canopy.Kernel;
using Canopy.Accounts;
using Canopy.Data;
using Canopy.Platform;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Payments;

/// <summary>
/// The writes of payment settings: an account's card on file (saved with the configured processor) and the exchange
/// rates card charges in other currencies use. Every surface that changes them comes through here.
/// </summary>
public sealed class PaymentSettings(CanopyDbContext db, ICardProcessor cards, FxConverter fx, TimeProvider time)
{
    /// <summary>
    /// Puts a card on file. With Stripe: the account's customer (created the first time) gets the payment method as its
    /// default. An account that had no billing mode is billed by card from now on.
    /// </summary>
    public async Task<WriteResult<Account>> SetCardAsync(long accountId, string? paymentMethod, CancellationToken ct)
    {
        var account = await db.Accounts.FirstOrDefaultAsync(a => a.Id == accountId, ct);
        if (account is null) return new WriteFailure.NotFound("account");
        if (string.IsNullOrWhiteSpace(paymentMethod) || !cards.IsValidPaymentMethodId(paymentMethod))
            return new WriteFailure.Invalid("payment_method", $"'payment_method' must be a payment-method id of the {cards.Name} processor (pm_…).");
        var saved = await cards.SaveCardAsync(new CardOwner(account.Id, account.Name, account.Email, account.StripeCustomerId), paymentMethod, ct);
        if (saved.Unavailable) return new WriteFailure.Unavailable(saved.Error);
        if (saved.Error is not null)
        {
            // The customer may have been created before the card was refused: keep it, so a retry reuses it.
            if (saved.CustomerId != account.StripeCustomerId) { account.StripeCustomerId = saved.CustomerId; await db.SaveChangesAsync(ct); }
            return new WriteFailure.Invalid("payment_method", saved.Error);
        }
        account.StripeCustomerId = saved.CustomerId;
        account.CardPaymentMethod = paymentMethod;
        if (account.Billing == BillingMode.None) account.Billing = BillingMode.Card;
        await db.SaveChangesAsync(ct);
        return account;
    }

    /// <summary>Removes the card on file; an account billed by card is billed by nothing until it has another.</summary>
    public async Task<WriteResult<Account>> RemoveCardAsync(long accountId, CancellationToken ct)
    {
        var account = await db.Accounts.FirstOrDefaultAsync(a => a.Id == accountId, ct);
        if (account is null) return new WriteFailure.NotFound("account");
        account.CardPaymentMethod = null;
        if (account.Billing == BillingMode.Card) account.Billing = BillingMode.None;
        await db.SaveChangesAsync(ct);
        return account;
    }

    /// <summary>Sets how many units of a currency (not USD) one USD buys, to 6 decimal places.</summary>
    public async Task<WriteResult<FxRate>> SetRateAsync(string currency, decimal unitsPerUsd, CancellationToken ct)
    {
        currency = currency.ToUpperInvariant();
        if (!Currencies.IsValidCode(currency) || currency == Usd.Code)
            return new WriteFailure.Invalid("currency", "The path must name a three-letter ISO 4217 currency other than USD.");
        if (unitsPerUsd <= 0 || unitsPerUsd > 1_000_000 || decimal.Round(unitsPerUsd, 6) != unitsPerUsd)
            return new WriteFailure.Invalid("units_per_usd", "'units_per_usd' is more than 0, at most 1000000, with at most 6 decimal places.");
        var micro = (long)(unitsPerUsd * 1_000_000m);
        var rate = await db.FxRates.FirstOrDefaultAsync(x => x.Currency == currency, ct);
        if (rate is null) db.FxRates.Add(rate = new FxRate { Currency = currency });
        rate.MicroUnitsPerUsd = micro;
        rate.UpdatedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        fx.Invalidate();
        return rate;
    }
}
