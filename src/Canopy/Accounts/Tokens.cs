using System.Security.Cryptography;
using System.Text;

namespace Canopy.Accounts;

/// <summary>Makes and hashes API secrets. Only hashes are stored.</summary>
internal static class Tokens
{
    public const string TestPrefix = "wren_test_";
    public const string LivePrefix = "cnp_live_";
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>A new secret: prefix + 40 base62 characters (about 238 bits).</summary>
    public static string NewSecret(TokenMode mode) => (mode == TokenMode.Test ? TestPrefix : LivePrefix) + RandomString(40);

    public static string RandomString(int length) => RandomNumberGenerator.GetString(Alphabet, length);

    public static string Hash(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    public static string DisplayPrefix(string secret) => secret[..Math.Min(secret.Length, secret.StartsWith(TestPrefix, StringComparison.Ordinal) ? 14 : 13)];
}
