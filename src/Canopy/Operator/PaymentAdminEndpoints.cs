using Canopy.Accounts;
using Canopy.Data;
using Canopy.Payments;
using Canopy.Web;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Operator;

public sealed record CardRequest(string? PaymentMethod);

/// <summary>The card on file; <c>customer_id</c> is the account's Stripe customer (null with the simulated processor).</summary>
public sealed record CardResponse(long AccountId, string? PaymentMethod, BillingMode Billing, string? CustomerId = null);

public sealed record FxRateRequest(decimal? UnitsPerUsd);

public sealed record FxRateResponse(string Currency, decimal UnitsPerUsd, DateTime UpdatedAt);

internal sealed class FxRateValidator : AbstractValidator<FxRateRequest>
{
    public FxRateValidator()
    {
        RuleFor(x => x.UnitsPerUsd).NotNull().GreaterThan(0).LessThanOrEqualTo(1_000_000)
            .Must(r => r is null || decimal.Round(r.Value, 6) == r.Value).WithMessage("'units_per_usd' has at most 6 decimal places.");
    }
}

/// <summary>Cards on file and exchange rates.</summary>
internal static class PaymentAdminEndpoints
{
    public static RouteGroupBuilder MapPaymentAdmin(this RouteGroupBuilder admin)
    {
        var accounts = admin.MapGroup("/accounts").WithTags("Operator: accounts");
        accounts.MapPost("/{id:long}/card", SetCardAsync).WithName("AdminSetCard")
            .WithSummary("Put a card on file (a payment-method id of the configured processor, e.g. pm_card_visa)")
            .WithJsonBody<CardRequest>().Produces<CardResponse>().ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        accounts.MapDelete("/{id:long}/card", RemoveCardAsync).WithName("AdminRemoveCard").WithSummary("Remove the card on file")
            .Produces<CardResponse>();

        var fx = admin.MapGroup("/fx-rates").WithTags("Operator: payments");
        fx.MapGet("", ListRatesAsync).WithName("AdminListFxRates")
            .WithSummary("Exchange rates used for card charges in other currencies, by currency code (limit, starting_after)")
            .WithPaging().Produces<PageResponse<FxRateResponse>>();
        fx.MapPut("/{currency}", SetRateAsync).WithName("AdminSetFxRate").WithSummary("Set how many units of a currency one USD buys")
            .WithJsonBody<FxRateRequest>().Produces<FxRateResponse>();
        return admin;
    }

    private static async Task<Results<Ok<CardResponse>, ValidationProblem, ProblemHttpResult>> SetCardAsync(
        long id, HttpRequest request, CanopyDbContext db, ICardProcessor cards, CancellationToken ct)
    {
        var account = await db.Accounts.FirstOrDefaultAsync(a => a.Id == id, ct);
        if (account is null) return OperatorResults.NotFound("account");
        var body = await RequestBody.ReadAsync<CardRequest>(request, Json.SnakeCase, null, allowForm: false, ct);
        if (body.Value is not { } r) return OperatorResults.Invalid(body.Errors!);
        if (string.IsNullOrWhiteSpace(r.PaymentMethod) || !cards.IsValidPaymentMethodId(r.PaymentMethod))
            return OperatorResults.Invalid("payment_method", $"'payment_method' must be a payment-method id of the {cards.Name} processor (pm_…).");
        // With Stripe: the account's customer (created the first time) gets the payment method as its default.
        var saved = await cards.SaveCardAsync(new CardOwner(account.Id, account.Name, account.Email, account.StripeCustomerId), r.PaymentMethod, ct);
        if (saved.Unavailable)
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Payment processor unavailable", detail: saved.Error);
        if (saved.Error is not null)
        {
            if (saved.CustomerId != account.StripeCustomerId) { account.StripeCustomerId = saved.CustomerId; await db.SaveChangesAsync(ct); }
            return OperatorResults.Invalid("payment_method", saved.Error);
        }
        account.StripeCustomerId = saved.CustomerId;
        account.CardPaymentMethod = r.PaymentMethod;
        if (account.Billing == BillingMode.None) account.Billing = BillingMode.Card;
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new CardResponse(id, account.CardPaymentMethod, account.Billing, account.StripeCustomerId));
    }

    private static async Task<Results<Ok<CardResponse>, ProblemHttpResult>> RemoveCardAsync(long id, CanopyDbContext db, CancellationToken ct)
    {
        var account = await db.Accounts.FirstOrDefaultAsync(a => a.Id == id, ct);
        if (account is null) return OperatorResults.NotFound("account");
        account.CardPaymentMethod = null;
        if (account.Billing == BillingMode.Card) account.Billing = BillingMode.None;
        await db.SaveChangesAsync(ct);
        return TypedResults.Ok(new CardResponse(id, null, account.Billing, account.StripeCustomerId));
    }

    /// <summary>Keyed by currency code (upper-case ASCII letters, so every database orders them alike).</summary>
    private static async Task<Results<Ok<PageResponse<FxRateResponse>>, ValidationProblem>> ListRatesAsync(
        HttpRequest request, CanopyDbContext db, CancellationToken ct)
    {
        var page = AdminPage.ParseKey(request.Query, c => c.Length == 3 && c.All(char.IsAsciiLetterUpper));
        if (page.Error is not null) return OperatorResults.Invalid(page.ErrorField, page.Error);
        var after = page.StartingAfterKey;
        var rates = await db.FxRates.AsNoTracking().Where(r => after == null || string.Compare(r.Currency, after) > 0)
            .OrderBy(r => r.Currency).Take(page.Limit + 1).ToListAsync(ct);
        return TypedResults.Ok(page.Page([.. rates.Select(ToResponse)], r => r.Currency));
    }

    private static async Task<Results<Ok<FxRateResponse>, ValidationProblem>> SetRateAsync(
        string currency, HttpRequest request, CanopyDbContext db, FxConverter fx, TimeProvider time, CancellationToken ct)
    {
        currency = currency.ToUpperInvariant();
        if (!Currencies.IsValidCode(currency) || currency == "USD")
            return OperatorResults.Invalid("currency", "The path must name a three-letter ISO 4217 currency other than USD.");
        var body = await RequestBody.ReadAsync(request, Json.SnakeCase, Validators<FxRateValidator>.Instance, allowForm: false, ct);
        if (body.Value is not { } r) return OperatorResults.Invalid(body.Errors!);
        var micro = (long)(r.UnitsPerUsd!.Value * 1_000_000m);
        var rate = await db.FxRates.FirstOrDefaultAsync(x => x.Currency == currency, ct);
        if (rate is null) db.FxRates.Add(rate = new FxRate { Currency = currency });
        rate.MicroUnitsPerUsd = micro;
        rate.UpdatedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        fx.Invalidate();
        return TypedResults.Ok(ToResponse(rate));
    }

    private static FxRateResponse ToResponse(FxRate r) => new(r.Currency, Decimals.Trim(r.MicroUnitsPerUsd / 1_000_000m), r.UpdatedAt);
}
