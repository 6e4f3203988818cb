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

    public static string FromName(string name)
    {
        var sb = new StringBuilder();
        foreach (var c in name.Normalize(NormalizationForm.FormD).ToLowerInvariant())
        {
            if (c is >= 'a' and <= 'z' or >= '0' and <= '9') sb.Append(c);
            else if (char.GetUnicodeCategory(c) != System.Globalization.UnicodeCategory.NonSpacingMark && sb.Length > 0 && sb[^1] != '-') sb.Append('-');
            if (sb.Length >= 60) break;
        }
        var stem = sb.ToString().Trim('-');
        return (stem.Length == 0 ? "impact" : stem) + "-" + RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyz0123456789", 8);
    }
}
