using System.Security.Cryptography;
using System.Text;
using Canopy.Data;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Accounts;

/// <summary>
/// The operator's key: <c>Canopy:AdminKey</c> when configured; otherwise one is generated at first start,
/// only its hash stored, and the key printed once.
/// </summary>
internal sealed class AdminKey
{
    private const string SettingKey = "admin_key_sha256";
    private byte[]? _hash;

    /// <summary>Loads or creates the key hash; returns the key when it was generated now (to print it once).</summary>
    public async Task<string?> InitialiseAsync(IConfiguration config, CanopyDbContext db, CancellationToken ct)
    {
        var configured = config["Canopy:AdminKey"];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            _hash = Hash(configured);
            return null;
        }
        var stored = await db.Settings.Where(s => s.Key == SettingKey).Select(s => s.Value).FirstOrDefaultAsync(ct);
        if (stored is not null)
        {
            _hash = Convert.FromHexString(stored);
            return null;
        }
        var key = "cnp_admin_" + Tokens.RandomString(40);
        db.Settings.Add(new Setting { Key = SettingKey, Value = Convert.ToHexStringLower(Hash(key)) });
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation(db, "pk_settings"))
        {
            // Another node generated and printed the key first: use that one.
            db.ChangeTracker.Clear();
            _hash = Convert.FromHexString(await db.Settings.Where(s => s.Key == SettingKey).Select(s => s.Value).FirstAsync(ct));
            return null;
        }
        _hash = Hash(key);
        return key;
    }

    public bool Matches(string candidate) =>
        _hash is not null && CryptographicOperations.FixedTimeEquals(Hash(candidate), _hash);

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
