using Canopy.Catalog;

namespace Canopy.Ordering;

/// <summary>Activities the CNaught dialect can quote and order for.</summary>
public enum Activity { Ride, Flight, Train, AirFreight, GroundFreight, GroundTransport, OfficeSpace }

/// <summary>
/// Emission factors, in grams of CO₂e (decimals allowed), turning an activity into a mass to offset. The defaults
/// reproduce CNaught's own quotes for the same inputs; docs/emission-factors.md shows each one's source. The operator
/// overrides any of them under <c>Canopy:Emissions</c>.
/// </summary>
public sealed class EmissionFactors
{
    /// <summary>Passenger car, van or SUV per vehicle-km (also rides): CNaught's 30 km ride = 7.2342 kg.</summary>
    public decimal CarGramsPerKm { get; set; } = 241.14m;
    /// <summary>Small bus per vehicle-km (CNaught publishes no figure: Canopy's estimate).</summary>
    public decimal SmallBusGramsPerKm { get; set; } = 650m;
    /// <summary>School bus per vehicle-km: CNaught's 1 000 km = 745 kg.</summary>
    public decimal SchoolBusGramsPerKm { get; set; } = 745m;
    /// <summary>Coach bus per vehicle-km (CNaught publishes no figure: Canopy's estimate).</summary>
    public decimal CoachBusGramsPerKm { get; set; } = 1_000m;
    /// <summary>Flight per passenger-km: CNaught's 100 km = 10 kg.</summary>
    public decimal FlightGramsPerPassengerKm { get; set; } = 100m;
    /// <summary>Train per passenger-km: CNaught's 1 000 km = 38 kg.</summary>
    public decimal TrainGramsPerPassengerKm { get; set; } = 38m;
    /// <summary>Air freight per tonne-km: CNaught's 10 kg over 100 km = 2 kg.</summary>
    public decimal AirFreightGramsPerTonneKm { get; set; } = 2_000m;
    /// <summary>Ground freight per tonne-km: CNaught's 100 kg over 1 000 km = 14 kg.</summary>
    public decimal GroundFreightGramsPerTonneKm { get; set; } = 140m;
    /// <summary>Office space per square foot per year: CNaught's 1 000 sq ft = 8 600 kg.</summary>
    public decimal OfficeGramsPerSquareFootYear { get; set; } = 8_600m;

    /// <summary>
    /// These factors with an account's own per-km figure for its rides, which also prices passenger-car ground transport
    /// (the SDK's ride quote goes there), so that a ride quote and a ride order always agree.
    /// </summary>
    public EmissionFactors ForAccount(long? rideGramsPerKm)
    {
        if (rideGramsPerKm is not { } perKm) return this;
        var copy = (EmissionFactors)MemberwiseClone();
        copy.CarGramsPerKm = perKm;
        return copy;
    }
}

public static class Emissions
{
    public static readonly IReadOnlySet<string> VehicleTypes = new HashSet<string>(StringComparer.Ordinal)
        { "passenger_car_van_or_suv", "small_bus", "school_bus", "coach_bus" };

    /// <summary>
    /// Grams of CO₂e for an activity, rounded up to whole kilograms as CNaught does (a 30 km ride of 7.2342 kg is
    /// quoted and ordered as 8 kg); at least 1 kg.
    /// </summary>
    public static long Grams(EmissionFactors f, Activity activity, decimal distanceKm, decimal freightKg, string? vehicleType, decimal squareFeet)
    {
        decimal grams = activity switch
        {
            Activity.Ride => distanceKm * f.CarGramsPerKm,
            Activity.Flight => distanceKm * f.FlightGramsPerPassengerKm,
            Activity.Train => distanceKm * f.TrainGramsPerPassengerKm,
            Activity.AirFreight => distanceKm * freightKg / 1000m * f.AirFreightGramsPerTonneKm,
            Activity.GroundFreight => distanceKm * freightKg / 1000m * f.GroundFreightGramsPerTonneKm,
            Activity.GroundTransport => distanceKm * vehicleType switch
            {
                "small_bus" => f.SmallBusGramsPerKm,
                "school_bus" => f.SchoolBusGramsPerKm,
                "coach_bus" => f.CoachBusGramsPerKm,
                _ => f.CarGramsPerKm,
            },
            Activity.OfficeSpace => squareFeet * f.OfficeGramsPerSquareFootYear,
        };
        // Clamped so that an absurd input or factor reaches the caller's upper bound instead of overflowing.
        var kg = Math.Min(decimal.Ceiling(grams / Pricing.GramsPerKg), long.MaxValue / Pricing.GramsPerKg);
        return Math.Max(1, (long)kg) * Pricing.GramsPerKg;
    }
}
