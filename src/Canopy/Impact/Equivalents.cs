using Canopy.Kernel;
using Canopy.Platform;

using Canopy.Accounts;

namespace Canopy.Impact;

/// <summary>One equivalent of a mass of CO₂e: how many cars, homes, flights or tree seedlings emit or store as much.</summary>
public sealed record EquivalentAmount(ImpactEquivalents Kind, string Name, decimal Amount);

/// <summary>The equivalents' names (as the APIs spell them) and their arithmetic.</summary>
public static class Equivalents
{
    /// <summary>Each equivalent with its wire name, in display order.</summary>
    public static readonly IReadOnlyList<(ImpactEquivalents Kind, string Name)> Each =
    [
        (ImpactEquivalents.CarsOffTheRoad, "cars_off_the_road"),
        (ImpactEquivalents.TreesPlanted, "trees_planted"),
        (ImpactEquivalents.HomesAnnualEnergyUsage, "homes_annual_energy_usage"),
        (ImpactEquivalents.FlightsLaxToNyc, "flights_lax_to_nyc"),
    ];

    public static IReadOnlyList<string> Names(ImpactEquivalents chosen) =>
        [.. Each.Where(e => chosen.HasFlag(e.Kind)).Select(e => e.Name)];

    /// <summary>The flags for a list of wire names; null when a name is unknown.</summary>
    public static ImpactEquivalents? Parse(IEnumerable<string> names)
    {
        var result = ImpactEquivalents.None;
        foreach (var name in names)
        {
            var match = Each.FirstOrDefault(e => e.Name == name);
            if (match.Name is null) return null;
            result |= match.Kind;
        }
        return result;
    }

    /// <summary>Every equivalent of <paramref name="grams"/>, kg ÷ the factor to two decimals, in display order.</summary>
    public static IReadOnlyList<EquivalentAmount> Of(long grams, EquivalenceFactors f) =>
    [
        new(ImpactEquivalents.CarsOffTheRoad, "cars_off_the_road", Per(grams, f.KgPerCarYear)),
        new(ImpactEquivalents.TreesPlanted, "trees_planted", Per(grams, f.KgPerTreeSeedling)),
        new(ImpactEquivalents.HomesAnnualEnergyUsage, "homes_annual_energy_usage", Per(grams, f.KgPerHomeYear)),
        new(ImpactEquivalents.FlightsLaxToNyc, "flights_lax_to_nyc", Per(grams, f.KgPerFlightLaxToNyc)),
    ];

    private static decimal Per(long grams, long kgPerUnit) =>
        kgPerUnit <= 0 ? 0 : Decimals.Trim(decimal.Round(grams / 1000m / kgPerUnit, 2, MidpointRounding.AwayFromZero));
}
