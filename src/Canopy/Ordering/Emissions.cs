namespace Canopy.Ordering;

/// <summary>Activities the CNaught dialect can quote and order for.</summary>
public enum Activity { Ride, Flight, Train, AirFreight, GroundFreight, GroundTransport, OfficeSpace }

/// <summary>
/// Emission factors, in grams of CO₂e, turning an activity into a mass to offset. Defaults are documented with their
/// sources in docs/emission-factors.md; the operator overrides any of them under <c>Canopy:Emissions</c>.
/// </summary>
public sealed class EmissionFactors
{
    /// <summary>Passenger car, van or SUV per vehicle-km (also rides): US EPA, ~400 g CO₂ per mile.</summary>
    public long CarGramsPerKm { get; set; } = 249;
    /// <summary>Small bus per vehicle-km.</summary>
    public long SmallBusGramsPerKm { get; set; } = 650;
    /// <summary>School bus per vehicle-km.</summary>
    public long SchoolBusGramsPerKm { get; set; } = 1_100;
    /// <summary>Coach bus per vehicle-km.</summary>
    public long CoachBusGramsPerKm { get; set; } = 1_000;
    /// <summary>Flight per passenger-km (average passenger, no radiative forcing uplift).</summary>
    public long FlightGramsPerPassengerKm { get; set; } = 150;
    /// <summary>Train per passenger-km (national rail average).</summary>
    public long TrainGramsPerPassengerKm { get; set; } = 35;
    /// <summary>Air freight per tonne-km.</summary>
    public long AirFreightGramsPerTonneKm { get; set; } = 600;
    /// <summary>Ground freight (heavy goods vehicle, average load) per tonne-km.</summary>
    public long GroundFreightGramsPerTonneKm { get; set; } = 105;
    /// <summary>Office space per square foot per year (electricity and heating of an average office).</summary>
    public long OfficeGramsPerSquareFootYear { get; set; } = 7_500;

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

    /// <summary>Grams of CO₂e for an activity, rounded to the nearest gram (at least one).</summary>
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
        return Math.Max(1, (long)decimal.Round(grams, MidpointRounding.AwayFromZero));
    }
}
