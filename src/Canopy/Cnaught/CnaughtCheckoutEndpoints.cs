using System.Diagnostics;
using Canopy.Accounts;
using Canopy.Catalog;
using Canopy.Data;
using Canopy.Idempotency;
using Canopy.Ordering;
using Canopy.Payments;
using Canopy.Kernel;
using Canopy.Platform;
using FluentValidation;
using Microsoft.EntityFrameworkCore;
using Canopy.Checkout;

namespace Canopy.Cnaught;

/// <summary>What a checkout session is for: <c>amount_kg</c> or a price, from a portfolio, paid on Stripe's hosted page.</summary>
public sealed record CnaughtCheckoutRequest(decimal? AmountKg, long? PriceUsdCents, string? SuccessUrl, string? CancelUrl, string? PortfolioId,
    string? Email, string? Description, NotificationConfig? NotificationConfig);

/// <summary>
/// A checkout session as CNaught shows it. <c>state</c> is SDK 3.x's field; SDK 2.8 reads the same value as
/// <c>status</c>. Every optional field is present, null when unset.
/// </summary>
public sealed record CnaughtCheckoutSession(
    string Id,
    decimal AmountKg,
    long PriceUsdCents,
    string SuccessUrl,
    string CancelUrl,
    string CheckoutUrl,
    string State,
    string Status,
    string ExpiresOn,
    string? CompletedOn,
    string PortfolioId,
    string? SubaccountId,
    string? OrderDescription,
    string? OrderWebhookUrl,
    string? OrderId);

internal sealed class CnaughtCheckoutValidator : AbstractValidator<CnaughtCheckoutRequest>
{
    public CnaughtCheckoutValidator()
    {
        RuleFor(x => x.AmountKg).NotNull().WithMessage("Either amount_kg or price_usd_cents is required.").When(x => x.PriceUsdCents is null);
        RuleFor(x => x.AmountKg).Null().WithMessage("Give either amount_kg or price_usd_cents, not both.").When(x => x.PriceUsdCents is not null);
        RuleFor(x => x.AmountKg).GreaterThan(0).LessThanOrEqualTo(CnaughtLimits.MaxKg)
            .Must(CnaughtLimits.AtLeastOneGram).WithMessage("'amount_kg' must be at least 0.001 (one gram).");
        RuleFor(x => x.PriceUsdCents).GreaterThan(0).LessThanOrEqualTo(CheckoutLimits.MaxPriceUsdCents);
        RuleFor(x => x.SuccessUrl).NotEmpty().MaximumLength(2048).Must(IsHttpsUrl).WithMessage("'success_url' must be an absolute https URL.");
        RuleFor(x => x.CancelUrl).NotEmpty().MaximumLength(2048).Must(IsHttpsUrl).WithMessage("'cancel_url' must be an absolute https URL.");
        RuleFor(x => x.PortfolioId).MaximumLength(64);
        RuleFor(x => x.Email).MaximumLength(320).EmailAddress().When(x => !string.IsNullOrEmpty(x.Email));
        RuleFor(x => x.Description).MaximumLength(CnaughtLimits.MaxText);
        RuleFor(x => x.NotificationConfig!.Url).NotEmpty().MaximumLength(2048).Must(PublicUrls.IsHttpUrl)
            .WithMessage("'notification_config.url' must be an absolute http(s) URL.").OverridePropertyName("notification_config.url")
            .When(x => x.NotificationConfig is not null);
    }

    private static bool IsHttpsUrl(string? url) =>
        url is not null && Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Scheme == Uri.UriSchemeHttps;
}

/// <summary>
/// CNaught's checkout sessions, on both paths its SDKs use (3.x: <c>/v1/checkout/sessions</c>; 2.8:
/// <c>/v1/orders/checkout-session</c>): a Stripe Checkout page for a fixed amount from a portfolio. When Stripe reports
/// it paid (webhook <c>checkout.session.completed</c>), the order is placed once and its webhook called.
/// </summary>
internal static class CnaughtCheckoutEndpoints
{
    public static RouteGroupBuilder MapCnaughtCheckout(this RouteGroupBuilder v1)
    {
        foreach (var (path, suffix) in new[] { ("/checkout/sessions", ""), ("/orders/checkout-session", "Legacy") })
        {
            var group = v1.MapGroup(path).WithTags("CNaught dialect");
            group.MapPost("", CreateAsync).WithName("CnaughtCreateCheckoutSession" + suffix)
                .WithSummary(suffix.Length == 0 ? "Create a checkout session (Stripe Checkout) for amount_kg or price_usd_cents"
                    : "Create a checkout session (the path of SDK 2.8)")
                .AddEndpointFilter<IdempotencyFilter<CnaughtIdempotencyErrors>>()
                .WithJsonBody<CnaughtCheckoutRequest>().Produces<CnaughtCheckoutSession>(201)
                .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict)
                .ProducesProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status503ServiceUnavailable);
            group.MapGet("/{id}", GetAsync).WithName("CnaughtGetCheckoutSession" + suffix)
                .WithSummary(suffix.Length == 0 ? "Get a checkout session" : "Get a checkout session (the path of SDK 2.8)")
                .Produces<CnaughtCheckoutSession>().ProducesProblem(StatusCodes.Status404NotFound);
        }
        return v1;
    }

    private static async Task<IResult> CreateAsync(HttpContext http, CheckoutService checkouts, TimeProvider time, CancellationToken ct)
    {
        // The subaccount first, as on every CNaught route: a foreign X-Subaccount-Id is invalid-subaccount whatever the body.
        var selection = await SubaccountResolver.ResolveAsync(http, ct);
        if (selection.Error is not null) return selection.Error;
        var body = await RequestBody.ReadAsync(http.Request, Json.SnakeCase, Validators<CnaughtCheckoutValidator>.Instance, allowForm: false, ct);
        if (body.Value is not { } r) return CnaughtProblems.InvalidParameters(body.Errors!);
        var command = new NewCheckout(http.GetCaller(), selection.Subaccount, r.AmountKg, r.PriceUsdCents, r.PortfolioId, r.SuccessUrl!, r.CancelUrl!,
            r.Email, r.Description, r.NotificationConfig?.Url);
        return await checkouts.OpenAsync(command, ct) switch
        {
            CheckoutOutcome.Opened o => TypedResults.Json(ToCnaught(o.Session, o.PortfolioPublicId, selection.Subaccount?.PublicId, time.GetUtcNow().UtcDateTime),
                Json.SnakeCase, statusCode: StatusCodes.Status201Created),
            CheckoutOutcome.NotPriced n => CnaughtOrderEndpoints.ToProblem(n.Error, command.QuantityField, r.PortfolioId),
            CheckoutOutcome.Failed { Failure: WriteFailure.Invalid i } => CnaughtProblems.InvalidParameters(i.Errors),
            CheckoutOutcome.Failed { Failure: WriteFailure.Forbidden f } => CnaughtProblems.Forbidden(f.Title, f.Detail),
            CheckoutOutcome.Failed { Failure: WriteFailure.Unavailable { Detail: { } detail } } => CnaughtProblems.Unavailable(detail),
            _ => throw new UnreachableException("Opening a checkout fails only as invalid, forbidden or unavailable."),
        };
    }

    private static async Task<IResult> GetAsync(string id, HttpContext http, CanopyDbContext db, CatalogCache catalog, TimeProvider time, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var selection = await SubaccountResolver.ResolveAsync(http, ct);
        if (selection.Error is not null) return selection.Error;
        var session = id.Length > 255 ? null : await db.Set<CheckoutSession>().AsNoTracking()
            .FirstOrDefaultAsync(s => s.PublicId == id && s.AccountId == caller.AccountId && s.Mode == caller.Mode
                && (selection.Subaccount == null || s.SubaccountId == selection.Subaccount.Id), ct);
        if (session is null) return CnaughtProblems.NotFound("Could not find checkout session");
        var snapshot = await catalog.GetAsync(ct);
        var portfolio = snapshot.PortfoliosById.TryGetValue(session.PortfolioId, out var p) ? p.PublicId : session.PortfolioId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var sub = await CnaughtOrderEndpoints.SubaccountPublicIdAsync(db, session.SubaccountId, ct);
        return TypedResults.Json(ToCnaught(session, portfolio, sub, time.GetUtcNow().UtcDateTime), Json.SnakeCase);
    }

    private static CnaughtCheckoutSession ToCnaught(CheckoutSession s, string portfolioId, string? subaccountId, DateTime now)
    {
        // An open session past its expiry is expired, even before Stripe's event says so.
        var state = s.State switch
        {
            CheckoutState.Complete => "complete",
            CheckoutState.Expired => "expired",
            CheckoutState.Open => s.ExpiresAt <= now ? "expired" : "open",
        };
        return new CnaughtCheckoutSession(s.PublicId, CnaughtShapes.Kg(s.Grams), s.PriceUsdCents, s.SuccessUrl, s.CancelUrl, s.CheckoutUrl,
            state, state, Json.Timestamp(s.ExpiresAt), s.CompletedAt is { } c ? Json.Timestamp(c) : null,
            portfolioId, subaccountId, s.OrderDescription, s.OrderWebhookUrl, s.State == CheckoutState.Complete ? s.OrderPublicId : null);
    }
}
