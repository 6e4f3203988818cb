using System.Globalization;

namespace Canopy.Pages;

/// <summary>Numbers and dates as the pages show them: invariant culture, exact (grams are integers to the end).</summary>
internal static class Format
{
    /// <summary>The pages' one rule for a mass: <see cref="Kernel.Mass.ForPeople"/>.</summary>
    public static string Mass(long grams) => Kernel.Mass.ForPeople(grams);

    public static string Decimal(decimal value) => value.ToString("#,##0.###", CultureInfo.InvariantCulture);

    /// <summary>USD cents as money: 25 → "0.25 USD", 123456 → "1,234.56 USD" (exact: cents are integers).</summary>
    public static string Usd(long cents) =>
        (cents < 0 ? "-" : "") + Count(Math.Abs(cents) / 100) + "." + (Math.Abs(cents) % 100).ToString("00", CultureInfo.InvariantCulture) + " USD";

    public static string Count(long value) => value.ToString("#,##0", CultureInfo.InvariantCulture);

    public static string Date(DateTime utc) => utc.ToString("d MMMM yyyy", CultureInfo.InvariantCulture);

    public static string IsoDate(DateTime utc) => utc.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A share in percent with one decimal, e.g. "37.5 %".</summary>
    public static string Percent(long part, long whole) =>
        whole <= 0 ? "0 %" : decimal.Round(100m * part / whole, 1, MidpointRounding.AwayFromZero).ToString("0.#", CultureInfo.InvariantCulture) + " %";

    public static string Month(int year, int month) =>
        new DateTime(year, month, 1, 0, 0, 0, DateTimeKind.Utc).ToString("MMM yyyy", CultureInfo.InvariantCulture);
}
