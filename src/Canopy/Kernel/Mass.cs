using System.Globalization;

namespace Canopy.Kernel;

/// <summary>
/// How a mass kept in grams is shown; one rule per kind of reader (docs/api.md, "Quantities"). APIs (every dialect and
/// the operator API) and e-mailed receipts give the exact figure: every gram, trailing zeros trimmed, never rounded.
/// Pages (certificates, impact pages, the feed) give people a short figure that is never more than the truth.
/// </summary>
public static class Mass
{
    /// <summary>Exact kilograms (1500 g → 1.5), without a decimal division.</summary>
    public static decimal Kg(long grams) => Decimals.FromScaled(grams, 3); // grams per kg: 1 000

    /// <summary>Exact tonnes (250 000 g → 0.25), without a decimal division.</summary>
    public static decimal Tonnes(long grams) => Decimals.FromScaled(grams, 6); // grams per tonne: 1 000 000

    /// <summary>
    /// For people: "1.5 t", "250 kg", "0.5 kg" — tonnes from one tonne up, else kilograms; at most three decimals, cut
    /// toward zero (a claim never exceeds what was retired).
    /// </summary>
    public static string ForPeople(long grams) =>
        grams >= 1_000_000
            ? Decimal(decimal.Round(grams / 1_000_000m, 3, MidpointRounding.ToZero)) + " t"
            : Decimal(decimal.Round(grams / 1_000m, 3, MidpointRounding.ToZero)) + " kg";

    private static string Decimal(decimal value) => value.ToString("#,##0.###", CultureInfo.InvariantCulture);
}
