namespace Canopy.Kernel;

public static class Decimals
{
    /// <summary>The same value without trailing zeros (0.500000 → 0.5), for numbers shown to clients.</summary>
    public static decimal Trim(decimal value) => value / 1.000000000000000000000000000000000m;

    /// <summary>
    /// <paramref name="units"/> / 10^<paramref name="scale"/> without trailing zeros: the same value as
    /// <c>Trim(units / 10^scale)</c> (grams → kg: <c>FromScaled(1500, 3)</c> is 1.5), built from the integer without a
    /// decimal division, which the order list does for every allocation it shows.
    /// </summary>
    public static decimal FromScaled(long units, byte scale)
    {
        var negative = units < 0;
        var magnitude = negative ? (ulong)-(units + 1) + 1 : (ulong)units;
        while (scale > 0 && magnitude % 10 == 0)
        {
            magnitude /= 10;
            scale--;
        }
        return new decimal((int)(uint)magnitude, (int)(uint)(magnitude >> 32), 0, negative && magnitude != 0, scale);
    }
}
