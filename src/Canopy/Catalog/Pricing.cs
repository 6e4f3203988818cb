using Canopy.Ledger;

namespace Canopy.Catalog;

/// <summary>A project's place in a split: its weight (parts per million of a portfolio) and its price per tonne.</summary>
public readonly record struct Share(long ProjectId, long Weight, long CentsPerTonne);

/// <summary>One project's grams and cents within an order.</summary>
public readonly record struct PricedPart(long ProjectId, long Grams, long Cents);

/// <summary>An order's quantity and price, split over projects; parts sum exactly to the totals.</summary>
public sealed record PricedSplit(long Grams, long Cents, IReadOnlyList<PricedPart> Parts);

/// <summary>
/// Prices quantities exactly (DESIGN §3): grams are split over the portfolio by largest remainder, the price is
/// ceil(Σ grams_i × rate_i / 1 000 000) cents (rounded up once for the whole order), and the cents are split
/// over the parts by largest remainder weighted by each part's exact value.
/// </summary>
public static class Pricing
{
    public const long GramsPerTonne = 1_000_000;
    public const long GramsPerKg = 1_000;

    /// <summary>Upper bound on one order: 10 million tonnes. Keeps every product far inside 128 bits and every total inside 64.</summary>
    public const long MaxGrams = 10_000_000L * GramsPerTonne;

    public static PricedSplit ForGrams(IReadOnlyList<Share> shares, long grams)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(grams);
        var weights = new Int128[shares.Count];
        for (var i = 0; i < shares.Count; i++) weights[i] = shares[i].Weight;
        var gramParts = LargestRemainder.Split(grams, weights);

        var values = new Int128[shares.Count];
        Int128 exact = 0;
        for (var i = 0; i < shares.Count; i++)
        {
            values[i] = (Int128)gramParts[i] * shares[i].CentsPerTonne;
            exact += values[i];
        }
        var cents = (long)CeilDiv(exact, GramsPerTonne);
        var centParts = exact == 0 ? new long[shares.Count] : LargestRemainder.Split(cents, values);

        var parts = new PricedPart[shares.Count];
        for (var i = 0; i < shares.Count; i++) parts[i] = new PricedPart(shares[i].ProjectId, gramParts[i], centParts[i]);
        return new PricedSplit(grams, cents, parts);
    }

    /// <summary>The largest quantity whose price does not exceed <paramref name="cents"/> (orders by price).</summary>
    public static PricedSplit ForBudget(IReadOnlyList<Share> shares, long cents)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cents);
        Int128 blended = 0; // Σ weight × rate, i.e. cents per tonne × 1e6
        Int128 weightSum = 0;
        foreach (var s in shares) { blended += (Int128)s.Weight * s.CentsPerTonne; weightSum += s.Weight; }
        if (blended == 0) throw new InvalidOperationException("A portfolio with no price cannot be bought by amount.");

        // Linear estimate, then walk to the exact boundary (rounding moves it by a few grams at most).
        var estimate = (long)Int128.Min((Int128)cents * GramsPerTonne * weightSum / blended, MaxGrams);
        var grams = estimate;
        while (grams < MaxGrams && ForGrams(shares, grams + 1).Cents <= cents) grams++;
        while (grams > 0 && ForGrams(shares, grams).Cents > cents) grams--;
        return ForGrams(shares, grams);
    }

    /// <summary>
    /// The same grams at a price agreed earlier (a checkout session paid at the price it showed): the agreed cents are
    /// split over the parts by largest remainder, in proportion to the parts' prices now (or their grams when those are all 0).
    /// </summary>
    public static PricedSplit AtAgreedPrice(PricedSplit split, long agreedCents)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(agreedCents);
        if (split.Parts.Count == 0) throw new ArgumentException("A split without parts has no price to agree.", nameof(split));
        var weights = new Int128[split.Parts.Count];
        var byPrice = split.Parts.Any(x => x.Cents > 0);
        for (var i = 0; i < weights.Length; i++) weights[i] = byPrice ? split.Parts[i].Cents : split.Parts[i].Grams;
        var cents = LargestRemainder.Split(agreedCents, weights);
        return new PricedSplit(split.Grams, agreedCents, [.. split.Parts.Select((x, i) => x with { Cents = cents[i] })]);
    }

    /// <summary>Price of trees: whole trees at a whole-cent rate, exact.</summary>
    public static long ForTrees(long trees, long centsPerTree) => checked(trees * centsPerTree);

    /// <summary>Blended price per tonne of a portfolio, in cents, exact as a decimal (for display only).</summary>
    public static decimal BlendedCentsPerTonne(IEnumerable<Share> shares)
    {
        decimal total = 0;
        foreach (var s in shares) total += s.Weight * (decimal)s.CentsPerTonne / 1_000_000m;
        return total;
    }

    private static Int128 CeilDiv(Int128 a, Int128 b) => (a + b - 1) / b;
}
