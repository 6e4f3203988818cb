using Canopy.Kernel;
using Canopy.Platform;
using Canopy.Ordering;
using FluentValidation;

namespace Canopy.Cnaught;

public sealed record NotificationConfig(string? Url);

/// <summary>The optional fields every CNaught order shares.</summary>
public interface ICnaughtOrderFields
{
    string? Metadata { get; }
    string? Description { get; }
    NotificationConfig? NotificationConfig { get; }
    string? PortfolioId { get; }
}

public sealed record CnaughtOrderRequest(decimal? AmountKg, long? TotalPriceUsdCents, string? Metadata, string? Description,
    NotificationConfig? NotificationConfig, string? PortfolioId) : ICnaughtOrderFields, IExampleRequest<CnaughtOrderRequest>
{
    public static CnaughtOrderRequest Example => new(10, null, "order-1234", "Offset for order #1234", new NotificationConfig("https://www.example.com/callback"), null);
}

public sealed record CnaughtRideOrderRequest(decimal? DistanceKm, string? Metadata, string? Description,
    NotificationConfig? NotificationConfig, string? PortfolioId) : ICnaughtOrderFields, IExampleRequest<CnaughtRideOrderRequest>
{
    public static CnaughtRideOrderRequest Example => new(12.5m, "ride-42", null, null, null);
}

public sealed record CnaughtQuoteRequest(decimal? AmountKg, string? PortfolioId, string? Source) : IExampleRequest<CnaughtQuoteRequest>
{
    public static CnaughtQuoteRequest Example => new(8.5m, null, "api");
}

/// <summary>Every activity quote: the fields that apply to its kind are required by its validator.</summary>
public sealed record CnaughtActivityQuoteRequest(decimal? DistanceKm, decimal? FreightMassKg, string? VehicleType, decimal? SquareFootage,
    string? PortfolioId, string? Source);

public sealed record CnaughtSubaccountRequest(string? Name, string? Email, string? DefaultPortfolioId, string? LogoUrl)
    : IExampleRequest<CnaughtSubaccountRequest>
{
    public static CnaughtSubaccountRequest Example => new("Marketing Department", "marketing@example.com", null, "https://www.example.com/logo.png");
}

public sealed record CnaughtLogoUrlRequest(string? LogoUrl) : IExampleRequest<CnaughtLogoUrlRequest>
{
    public static CnaughtLogoUrlRequest Example => new("https://www.example.com/logo.png");
}

internal static class CnaughtLimits
{
    public const int MaxText = 512;
    public const decimal MaxKg = OrderLimits.MaxKg;
    public const decimal MaxDistanceKm = 1_000_000m;
    public const decimal MaxFreightKg = 100_000_000m;
    public const decimal MaxSquareFeet = 100_000_000m;

    /// <summary>Where the order a quote prices will be placed (CNaught's quote parameter).</summary>
    public static readonly string[] QuoteSources = ["api", "checkout"];

    /// <summary>At least one whole gram after rounding to grams (the core's rule).</summary>
    public static bool AtLeastOneGram(decimal? kg) => OrderLimits.AtLeastOneGramKg(kg);
}

internal static class CnaughtOrderRules
{
    public static void AddCommon<T>(AbstractValidator<T> v) where T : ICnaughtOrderFields
    {
        v.RuleFor(x => x.Metadata).MaximumLength(CnaughtLimits.MaxText);
        v.RuleFor(x => x.Description).MaximumLength(CnaughtLimits.MaxText);
        v.RuleFor(x => x.NotificationConfig!.Url).NotEmpty().MaximumLength(2048).HttpUrl()
            .WithMessage("'notification_config.url' must be an absolute http(s) URL.").OverridePropertyName("notification_config.url")
            .When(x => x.NotificationConfig is not null);
        v.RuleFor(x => x.PortfolioId).MaximumLength(64);
    }
}

internal sealed class CnaughtOrderValidator : AbstractValidator<CnaughtOrderRequest>
{
    public CnaughtOrderValidator()
    {
        RuleFor(x => x.AmountKg).NotNull().WithMessage("Either amount_kg or total_price_usd_cents is required.")
            .When(x => x.TotalPriceUsdCents is null);
        RuleFor(x => x.AmountKg).Null().WithMessage("Give either amount_kg or total_price_usd_cents, not both.")
            .When(x => x.TotalPriceUsdCents is not null);
        RuleFor(x => x.AmountKg).OrderKilograms().WithMessage("'amount_kg' must be at least 0.001 (one gram).");
        RuleFor(x => x.TotalPriceUsdCents).GreaterThan(0).AtMostOrderUsdCents();
        CnaughtOrderRules.AddCommon(this);
    }
}

internal sealed class CnaughtRideOrderValidator : AbstractValidator<CnaughtRideOrderRequest>
{
    public CnaughtRideOrderValidator()
    {
        RuleFor(x => x.DistanceKm).NotNull().GreaterThan(0).LessThanOrEqualTo(CnaughtLimits.MaxDistanceKm);
        CnaughtOrderRules.AddCommon(this);
    }
}

internal sealed class CnaughtQuoteValidator : AbstractValidator<CnaughtQuoteRequest>
{
    public CnaughtQuoteValidator()
    {
        RuleFor(x => x.AmountKg).NotNull().OrderKilograms().WithMessage("'amount_kg' must be at least 0.001 (one gram).");
        RuleFor(x => x.PortfolioId).MaximumLength(64);
        RuleFor(x => x.Source).OneOf(CnaughtLimits.QuoteSources);
    }
}

/// <summary>One activity's quote: only the fields that activity reads get rules (and so appear in its OpenAPI schema).</summary>
internal sealed class CnaughtActivityQuoteValidator : AbstractValidator<CnaughtActivityQuoteRequest>, IExampleSource
{
    public CnaughtActivityQuoteValidator(Ordering.Activity activity)
    {
        if (activity is not Ordering.Activity.OfficeSpace)
            RuleFor(x => x.DistanceKm).NotNull().GreaterThan(0).LessThanOrEqualTo(CnaughtLimits.MaxDistanceKm);
        if (activity is Ordering.Activity.AirFreight or Ordering.Activity.GroundFreight)
            RuleFor(x => x.FreightMassKg).NotNull().GreaterThan(0).LessThanOrEqualTo(CnaughtLimits.MaxFreightKg);
        if (activity is Ordering.Activity.OfficeSpace)
            RuleFor(x => x.SquareFootage).NotNull().GreaterThan(0).LessThanOrEqualTo(CnaughtLimits.MaxSquareFeet);
        if (activity is Ordering.Activity.GroundTransport)
            RuleFor(x => x.VehicleType).NotNull().OneOf(Ordering.Emissions.VehicleTypes.Order(StringComparer.Ordinal))
                .WithMessage($"'vehicle_type' must be one of: {string.Join(", ", Ordering.Emissions.VehicleTypes)}.");
        RuleFor(x => x.PortfolioId).MaximumLength(64);
        RuleFor(x => x.Source).OneOf(CnaughtLimits.QuoteSources);
        Example = activity switch
        {
            Ordering.Activity.AirFreight => new CnaughtActivityQuoteRequest(100, 10, null, null, null, null),
            Ordering.Activity.GroundFreight => new CnaughtActivityQuoteRequest(1000, 100, null, null, null, null),
            Ordering.Activity.GroundTransport => new CnaughtActivityQuoteRequest(1000, null, "school_bus", null, null, null),
            Ordering.Activity.OfficeSpace => new CnaughtActivityQuoteRequest(null, null, null, 1000, null, null),
            Ordering.Activity.Ride => new CnaughtActivityQuoteRequest(30, null, null, null, null, null),
            _ => new CnaughtActivityQuoteRequest(1000, null, null, null, null, null),
        };
    }

    public object Example { get; }
}

internal sealed class CnaughtSubaccountValidator : AbstractValidator<CnaughtSubaccountRequest>
{
    public CnaughtSubaccountValidator()
    {
        RuleFor(x => x.Name).NotEmpty().MaximumLength(CnaughtLimits.MaxText);
        RuleFor(x => x.Email).MaximumLength(320).EmailAddress().When(x => !string.IsNullOrEmpty(x.Email));
        RuleFor(x => x.DefaultPortfolioId).MaximumLength(64);
        RuleFor(x => x.LogoUrl).MaximumLength(2048).HttpUrl().WithMessage("'logo_url' must be an absolute http(s) URL.");
    }
}

internal sealed class CnaughtLogoUrlValidator : AbstractValidator<CnaughtLogoUrlRequest>
{
    public CnaughtLogoUrlValidator()
    {
        RuleFor(x => x.LogoUrl).NotEmpty().MaximumLength(2048).HttpUrl().WithMessage("'logo_url' must be an absolute http(s) URL.");
    }
}
