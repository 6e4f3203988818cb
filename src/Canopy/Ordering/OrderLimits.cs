using Canopy.Catalog;

namespace Canopy.Ordering;

/// <summary>
/// The limits every order obeys, whichever dialect it came through (the dialects' validators name these constants so
/// that a field error and the core's own check never disagree), and the one rule that turns kg or tonnes into grams.
/// </summary>
public static class OrderLimits
{
    /// <summary>The most one order may offset: 10 million tonnes.</summary>
    public const long MaxGrams = Pricing.MaxGrams;
    public const decimal MaxTonnes = MaxGrams / (decimal)Pricing.GramsPerTonne;
    public const decimal MaxKg = MaxGrams / (decimal)Pricing.GramsPerKg;
    /// <summary>
    /// The most one order may cost: USD 100 million. Validation alone would let through orders worth trillions
    /// (10 million tonnes at a project's maximum price), whose amounts in other currencies do not fit in 64 bits.
    /// </summary>
    public const long MaxUsdCents = 10_000_000_000;
    public const long MaxTrees = 10_000_000;
    /// <summary>Card charges below this many USD cents are refused (credits and invoices have no minimum).</summary>
    public const long CardMinimumUsdCents = 100;
    /// <summary>The fixed credits balance Wren test mode shows (DESIGN §7).</summary>
    public const long TestModeBalanceUsdCents = 100_000;

    /// <summary>Grams in a mass given in kg: rounded half away from zero to the gram (the one rounding rule for every unit).</summary>
    public static long GramsFromKg(decimal kg) => Round(kg * Pricing.GramsPerKg);

    /// <summary>Grams in a mass given in tonnes, by the same rule as <see cref="GramsFromKg"/>.</summary>
    public static long GramsFromTonnes(decimal tonnes) => Round(tonnes * Pricing.GramsPerTonne);

    /// <summary>Whether a mass in kg comes to at least one whole gram after rounding.</summary>
    public static bool AtLeastOneGramKg(decimal? kg) => kg is null or <= 0 || kg.Value > MaxKg || GramsFromKg(kg.Value) >= 1;

    /// <summary>Whether a mass in tonnes comes to at least one whole gram after rounding.</summary>
    public static bool AtLeastOneGramTonnes(decimal? tonnes) => tonnes is null or <= 0 || tonnes.Value > MaxTonnes || GramsFromTonnes(tonnes.Value) >= 1;

    private static long Round(decimal grams) => (long)decimal.Round(grams, MidpointRounding.AwayFromZero);
}
