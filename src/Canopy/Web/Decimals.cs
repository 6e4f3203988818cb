namespace Canopy.Web;

public static class Decimals
{
    /// <summary>The same value without trailing zeros (0.500000 → 0.5), for numbers shown to clients.</summary>
    public static decimal Trim(decimal value) => value / 1.000000000000000000000000000000000m;
}
