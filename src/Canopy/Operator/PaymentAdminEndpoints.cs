using System.Diagnostics;
using Canopy.Accounts;
using Canopy.Data;
using Canopy.Payments;
using Canopy.Kernel;
using Canopy.Platform;
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
        long id, HttpRequest request, CanopyDbContext db, PaymentSettings payments, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync<CardRequest>(request, Json.SnakeCase, null, allowForm: false, ct);
        // An unknown account is a 404 whatever the body.
        if (body.Value is not { } r)
            return await db.Accounts.AnyAsync(a => a.Id == id, ct) ? OperatorResults.Invalid(body.Errors!) : OperatorResults.NotFound("account");
        var saved = await payments.SetCardAsync(id, r.PaymentMethod, ct);
        return saved.Failure switch
        {
            null => TypedResults.Ok(ToResponse(saved.Value!)),
            WriteFailure.Invalid i => OperatorResults.Invalid(i.Errors),
            WriteFailure.NotFound n => OperatorResults.NotFound(n.What),
            WriteFailure.Unavailable u => TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Payment processor unavailable", detail: u.Detail),
            _ => throw new UnreachableException("Saving a card fails only as invalid, not found or unavailable."),
        };
    }

    private static async Task<Results<Ok<CardResponse>, ProblemHttpResult>> RemoveCardAsync(long id, PaymentSettings payments, CancellationToken ct)
    {
        var removed = await payments.RemoveCardAsync(id, ct);
        return removed.Failure is WriteFailure.NotFound n ? OperatorResults.NotFound(n.What) : TypedResults.Ok(ToResponse(removed.Value!));
    }

    /// <summary>Keyed by currency code (upper-case ASCII letters, so every database orders them alike).</summary>
    private static async Task<Results<Ok<PageResponse<FxRateResponse>>, ValidationProblem>> ListRatesAsync(
        HttpRequest request, CanopyDbContext db, CancellationToken ct)
    {
        var page = AdminPage.ParseKey(request.Query, c => c.Length == 3 && c.All(char.IsAsciiLetterUpper));
        if (page.Error is not null) return OperatorResults.Invalid(page.ErrorField, page.Error);
        var rates = await page.ByKeyAsync(db.FxRates.AsNoTracking(), r => r.Currency, descending: false, ct);
        return TypedResults.Ok(page.Page([.. rates.Select(ToResponse)], r => r.Currency));
    }

    private static async Task<Results<Ok<FxRateResponse>, ValidationProblem>> SetRateAsync(
        string currency, HttpRequest request, PaymentSettings payments, CancellationToken ct)
    {
        // The path's currency is checked before the body is read.
        if (!Currencies.IsValidCode(currency.ToUpperInvariant()) || currency.Equals(Usd.Code, StringComparison.OrdinalIgnoreCase))
            return OperatorResults.Invalid("currency", "The path must name a three-letter ISO 4217 currency other than USD.");
        var body = await RequestBody.ReadAsync(request, Json.SnakeCase, Validators<FxRateValidator>.Instance, allowForm: false, ct);
        if (body.Value is not { } r) return OperatorResults.Invalid(body.Errors!);
        var set = await payments.SetRateAsync(currency, r.UnitsPerUsd!.Value, ct);
        return set.Failure is WriteFailure.Invalid i ? OperatorResults.Invalid(i.Errors) : TypedResults.Ok(ToResponse(set.Value!));
    }

    private static CardResponse ToResponse(Account a) => new(a.Id, a.CardPaymentMethod, a.Billing, a.StripeCustomerId);

    private static FxRateResponse ToResponse(FxRate r) => new(r.Currency, Decimals.Trim(r.MicroUnitsPerUsd / 1_000_000m), r.UpdatedAt);
}
