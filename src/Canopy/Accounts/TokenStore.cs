using Canopy.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace Canopy.Accounts;

/// <summary>What authentication needs to know about a token.</summary>
internal sealed record TokenInfo(long TokenId, long AccountId, TokenMode Mode, TokenKind Kind, long? UserId, bool UserHasLogin);

/// <summary>
/// Looks tokens up by hash, with a short cache so that the hot path (every API call) costs no query.
/// Unknown secrets are not cached (a flood of them must not fill memory). Revocation evicts the entry on this node; other nodes see it within <see cref="Ttl"/>.
/// </summary>
internal sealed class TokenStore(IMemoryCache cache, IServiceScopeFactory scopes, TimeProvider time)
{
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);

    public async ValueTask<TokenInfo?> FindAsync(string secret, CancellationToken ct)
    {
        var hash = Tokens.Hash(secret);
        if (cache.TryGetValue(CacheKey(hash), out TokenInfo? hit)) return hit;

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        var info = await (
            from t in db.ApiTokens
            where t.Hash == hash && t.RevokedAt == null
            join u in db.Users on t.UserId equals u.Id into users
            from u in users.DefaultIfEmpty()
            select new TokenInfo(t.Id, t.AccountId, t.Mode, t.Kind, t.UserId, u != null && u.HasLogin)
        ).AsNoTracking().FirstOrDefaultAsync(ct);
        if (info is not null)
        {
            // A live token's last use is recorded at most once per cache period; test tokens write nothing (DESIGN §7).
            if (info.Mode == TokenMode.Live)
            {
                var now = time.GetUtcNow().UtcDateTime;
                await db.ApiTokens.Where(t => t.Id == info.TokenId).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), ct);
            }
            cache.Set(CacheKey(hash), info, Ttl);
        }
        return info;
    }

    public void Evict(string hash) => cache.Remove(CacheKey(hash));

    private static string CacheKey(string hash) => "token:" + hash;
}
