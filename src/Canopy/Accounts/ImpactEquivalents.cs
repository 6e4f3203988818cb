namespace Canopy.Accounts;

/// <summary>Which everyday equivalents an impact page shows (stored as flags on the account).</summary>
[Flags]
public enum ImpactEquivalents
{
    None = 0,
    CarsOffTheRoad = 1,
    TreesPlanted = 2,
    HomesAnnualEnergyUsage = 4,
    FlightsLaxToNyc = 8,
    All = CarsOffTheRoad | TreesPlanted | HomesAnnualEnergyUsage | FlightsLaxToNyc,
}
