namespace Canopy.Catalog;

/// <summary>
/// Splits a whole number into whole parts proportional to weights, so that the parts sum exactly to the whole
/// (Hamilton's largest-remainder method). Every split of grams, trees or cents in Canopy goes through here.
/// </summary>
public static class LargestRemainder
{
    /// <summary>Parts of <paramref name="total"/> in proportion to <paramref name="weights"/>; leftover units go to the largest remainders, ties to the earlier weight.</summary>
    public static long[] Split(long total, ReadOnlySpan<Int128> weights)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        if (weights.Length == 0) throw new ArgumentException("At least one weight is needed.", nameof(weights));
        Int128 sum = 0;
        foreach (var w in weights)
        {
            if (w < 0) throw new ArgumentException("Weights cannot be negative.", nameof(weights));
            sum += w;
        }
        if (sum == 0) throw new ArgumentException("Weights cannot all be zero.", nameof(weights));

        var parts = new long[weights.Length];
        var remainders = new Int128[weights.Length];
        long assigned = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            var exact = (Int128)total * weights[i];
            parts[i] = (long)(exact / sum);
            remainders[i] = exact % sum;
            assigned += parts[i];
        }

        var leftover = total - assigned; // always < weights.Length
        if (leftover > 0)
        {
            var order = new int[weights.Length];
            for (var i = 0; i < order.Length; i++) order[i] = i;
            var rem = remainders;
            // Stable: equal remainders keep index order, so ties go to the earlier weight.
            var sorted = order.OrderByDescending(i => rem[i]).ThenBy(i => i).ToArray();
            for (var k = 0; k < leftover; k++) parts[sorted[k]]++;
        }
        return parts;
    }

    public static long[] Split(long total, ReadOnlySpan<long> weights)
    {
        var wide = new Int128[weights.Length];
        for (var i = 0; i < weights.Length; i++) wide[i] = weights[i];
        return Split(total, wide);
    }
}
