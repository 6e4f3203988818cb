using System.Diagnostics.Metrics;
using Canopy.Data;
using Canopy.Kernel;
using Canopy.Platform;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace Canopy.Accounts;

/// <summary>What authentication needs to know about a token.</summary>
internal sealed record TokenInfo(long TokenId, long AccountId, TokenMode Mode, TokenKind Kind, long? UserId, bool UserHasLogin);

/// <summary>
/// Looks tokens up by hash, with a short cache so that the hot path (every API call) costs no query. Unknown secrets
/// go to a separate negative cache bounded to <see cref="MaxUnknown"/> entries, so that a client repeating a bad or
/// revoked token does not reach the database on every request and a flood of distinct ones cannot fill memory
/// (floods of distinct secrets are held back per client address by <see cref="Canopy.Platform.AuthFailureLimits"/>).
/// Revocation evicts the entry on this node; other nodes see it within <see cref="Ttl"/>.
/// </summary>
internal sealed class TokenStore : IDisposable, Platform.IKnownCredentials
{
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);
    public const int MaxUnknown = 10_000;

    private readonly IMemoryCache _cache;
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _time;
    private readonly MemoryCache _unknown;
    private readonly Counter<long> _lookups;

    public TokenStore(IMemoryCache cache, IServiceScopeFactory scopes, TimeProvider time, IMeterFactory meters)
    {
        _cache = cache;
        _scopes = scopes;
        _time = time;
        _unknown = new MemoryCache(new MemoryCacheOptions { SizeLimit = MaxUnknown });
        _lookups = meters.Create(CanopyMeter.Name).CreateCounter<long>("canopy.auth.token_lookups", "{lookup}",
            "Token look-ups that reached the database (cache misses), by result.");
    }

    public async ValueTask<TokenInfo?> FindAsync(string secret, CancellationToken ct)
    {
        var hash = Tokens.Hash(secret);
        if (_cache.TryGetValue(CacheKey(hash), out TokenInfo? hit)) return hit;
        if (_unknown.TryGetValue(hash, out _)) return null;

        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        var info = await (
            from t in db.ApiTokens
            where t.Hash == hash && t.RevokedAt == null
            join u in db.Users on t.UserId equals u.Id into users
            from u in users.DefaultIfEmpty()
            select new TokenInfo(t.Id, t.AccountId, t.Mode, t.Kind, t.UserId, u != null && u.HasLogin)
        ).AsNoTracking().FirstOrDefaultAsync(ct);
        _lookups.Add(1, new KeyValuePair<string, object?>("result", info is null ? "unknown" : "found"));
        if (info is null)
        {
            // When full, the cache refuses the entry (and compacts): memory stays bounded whatever is sent.
            _unknown.Set(hash, true, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = Ttl });
            return null;
        }
        // A live token's last use is recorded at most once per cache period; test tokens write nothing (DESIGN §7).
        if (info.Mode == TokenMode.Live)
        {
            var now = _time.GetUtcNow().UtcDateTime;
            await db.ApiTokens.Where(t => t.Id == info.TokenId).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), ct);
        }
        _cache.Set(CacheKey(hash), info, Ttl);
        return info;
    }

    /// <summary>Whether the secret is a token this node knows to be valid right now (no query).</summary>
    public bool IsKnown(string secret) => _cache.TryGetValue(CacheKey(Tokens.Hash(secret)), out TokenInfo? _);

    /// <summary>Forgets what this node knows about the hash (revoked, or just issued).</summary>
    public void Evict(string hash)
    {
        _cache.Remove(CacheKey(hash));
        _unknown.Remove(hash);
    }

    public void Dispose() => _unknown.Dispose();

    private static string CacheKey(string hash) => "token:" + hash;
}
