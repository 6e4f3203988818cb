using System.Security.Cryptography;
using System.Text;

namespace Canopy.Accounts;

/// <summary>
/// Slugs of hosted impact pages. An account created without one gets its name's letters and digits plus eight random
/// characters: readable, and not guessable by counting (account ids are sequential).
/// </summary>
internal static class ImpactSlugs
{
    public const string Pattern = "^[a-z0-9][a-z0-9-]{1,98}[a-z0-9]$";

    // Accented Latin letters keep their base letter (Unicode normalization is not available under invariant globalization).
    private const string Accented = "àáâãäåāăąçćčďèéêëēėęěìíîïīįłñńňòóôõöøōőŕřśšşťùúûüūůűųýÿźżž";
    private const string Plain = "aaaaaaaaacccdeeeeeeeeiiiiiilnnnoooooooorrssstuuuuuuuuyyzzz";

    public static string FromName(string name)
    {
        var sb = new StringBuilder();
        foreach (var c in name.ToLowerInvariant())
        {
            var i = Accented.IndexOf(c, StringComparison.Ordinal);
            if (c is >= 'a' and <= 'z' or >= '0' and <= '9') sb.Append(c);
            else if (i >= 0) sb.Append(Plain[i]);
            else if (c == 'ß') sb.Append("ss");
            else if (c == 'æ') sb.Append("ae");
            else if (c == 'œ') sb.Append("oe");
            else if (sb.Length > 0 && sb[^1] != '-') sb.Append('-');
            if (sb.Length >= 60) break;
        }
        var stem = sb.ToString().Trim('-');
        return (stem.Length == 0 ? "impact" : stem) + "-" + RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 8);
    }
}
