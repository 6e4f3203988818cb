using Canopy.Web;
using Canopy.Catalog;
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
    NotificationConfig? NotificationConfig, string? PortfolioId) : ICnaughtOrderFields;

public sealed record CnaughtRideOrderRequest(decimal? DistanceKm, string? Metadata, string? Description,
    NotificationConfig? NotificationConfig, string? PortfolioId) : ICnaughtOrderFields;

public sealed record CnaughtQuoteRequest(decimal? AmountKg, string? PortfolioId, string? Source);

/// <summary>Every activity quote: the fields that apply to its kind are required by its validator.</summary>
public sealed record CnaughtActivityQuoteRequest(decimal? DistanceKm, decimal? FreightMassKg, string? VehicleType, decimal? SquareFootage,
    string? PortfolioId, string? Source);

public sealed record CnaughtSubaccountRequest(string? Name, string? Email, string? DefaultPortfolioId, string? LogoUrl);

public sealed record CnaughtLogoUrlRequest(string? LogoUrl);

internal static class CnaughtLimits
{
    public const int MaxText = 512;
    public const decimal MaxKg = Pricing.MaxGrams / Pricing.GramsPerKg;
    public const decimal MaxDistanceKm = 1_000_000m;
    public const decimal MaxFreightKg = 100_000_000m;
    public const decimal MaxSquareFeet = 100_000_000m;

    /// <summary>At least one whole gram after rounding to grams.</summary>
    public static bool AtLeastOneGram(decimal? kg) => kg is null or <= 0 || kg.Value >= 0.0005m; // rounds (half away from zero) to ≥ 1 g
}

internal static class CnaughtOrderRules
{
    public static void AddCommon<T>(AbstractValidator<T> v) where T : ICnaughtOrderFields
    {
        v.RuleFor(x => x.Metadata).MaximumLength(CnaughtLimits.MaxText);
        v.RuleFor(x => x.Description).MaximumLength(CnaughtLimits.MaxText);
        v.RuleFor(x => x.NotificationConfig!.Url).NotEmpty().MaximumLength(2048).Must(PublicUrls.IsHttpUrl)
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
        RuleFor(x => x.AmountKg).GreaterThan(0).LessThanOrEqualTo(CnaughtLimits.MaxKg)
            .Must(CnaughtLimits.AtLeastOneGram).WithMessage("'amount_kg' must be at least 0.001 (one gram).");
        RuleFor(x => x.TotalPriceUsdCents).GreaterThan(0).LessThanOrEqualTo(10_000_000_000);
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
        RuleFor(x => x.AmountKg).NotNull().GreaterThan(0).LessThanOrEqualTo(CnaughtLimits.MaxKg)
            .Must(CnaughtLimits.AtLeastOneGram).WithMessage("'amount_kg' must be at least 0.001 (one gram).");
        RuleFor(x => x.PortfolioId).MaximumLength(64);
    }
}

internal sealed class CnaughtActivityQuoteValidator : AbstractValidator<CnaughtActivityQuoteRequest>
{
    public CnaughtActivityQuoteValidator(Ordering.Activity activity)
    {
        var needsDistance = activity is not Ordering.Activity.OfficeSpace;
        var needsMass = activity is Ordering.Activity.AirFreight or Ordering.Activity.GroundFreight;
        RuleFor(x => x.DistanceKm).NotNull().GreaterThan(0).LessThanOrEqualTo(CnaughtLimits.MaxDistanceKm).When(_ => needsDistance);
        RuleFor(x => x.FreightMassKg).NotNull().GreaterThan(0).LessThanOrEqualTo(CnaughtLimits.MaxFreightKg).When(_ => needsMass);
        RuleFor(x => x.SquareFootage).NotNull().GreaterThan(0).LessThanOrEqualTo(CnaughtLimits.MaxSquareFeet)
            .When(_ => activity == Ordering.Activity.OfficeSpace);
        RuleFor(x => x.VehicleType).NotNull().Must(v => v is null || Ordering.Emissions.VehicleTypes.Contains(v))
            .WithMessage($"'vehicle_type' must be one of: {string.Join(", ", Ordering.Emissions.VehicleTypes)}.")
            .When(_ => activity == Ordering.Activity.GroundTransport);
        RuleFor(x => x.PortfolioId).MaximumLength(64);
    }
}

internal sealed class CnaughtSubaccountValidator : AbstractValidator<CnaughtSubaccountRequest>
{
    public CnaughtSubaccountValidator()
    {
        RuleFor(x => x.Name).NotEmpty().MaximumLength(CnaughtLimits.MaxText);
        RuleFor(x => x.Email).MaximumLength(320).EmailAddress().When(x => !string.IsNullOrEmpty(x.Email));
        RuleFor(x => x.DefaultPortfolioId).MaximumLength(64);
        RuleFor(x => x.LogoUrl).MaximumLength(2048).Must(PublicUrls.IsHttpUrl).WithMessage("'logo_url' must be an absolute http(s) URL.");
    }
}

internal sealed class CnaughtLogoUrlValidator : AbstractValidator<CnaughtLogoUrlRequest>
{
    public CnaughtLogoUrlValidator()
    {
        RuleFor(x => x.LogoUrl).NotEmpty().MaximumLength(2048).Must(PublicUrls.IsHttpUrl).WithMessage("'logo_url' must be an absolute http(s) URL.");
    }
}
