using Canopy.Impact;

using Canopy.Accounts;

namespace Canopy.Pages;

public sealed record ImpactProjectView(string Name, string? Type, string Category, string? Summary, string? Description, string? ImageUrl,
    string? Location, long Grams);

public sealed record ImpactCategoryView(string Name, long Grams);

/// <summary>Money given to a donation project: never CO₂e.</summary>
public sealed record ImpactDonationView(string Name, string? Summary, long UsdCents);

/// <summary>One bar of the "over time" chart.</summary>
public sealed record ImpactMonthView(string Label, long Grams);

public sealed record ImpactPageView(
    string Name,
    string? LogoUrl,
    long Grams,
    DateTime? Since,
    bool Sandbox,
    IReadOnlyList<EquivalentAmount> Equivalents,
    IReadOnlyList<ImpactCategoryView> Categories,
    IReadOnlyList<ImpactMonthView> Months,
    IReadOnlyList<ImpactProjectView> Projects,
    IReadOnlyList<ImpactDonationView> Donations)
{
    public long DonationUsdCents => Donations.Sum(d => d.UsdCents);

    public static string EquivalentLabel(ImpactEquivalents kind) => kind switch
    {
        ImpactEquivalents.CarsOffTheRoad => "cars off the road for a year",
        ImpactEquivalents.TreesPlanted => "tree seedlings grown for ten years",
        ImpactEquivalents.HomesAnnualEnergyUsage => "homes' energy use for a year",
        ImpactEquivalents.FlightsLaxToNyc => "flights from Los Angeles to New York",
        _ => kind.ToString(),
    };
}
