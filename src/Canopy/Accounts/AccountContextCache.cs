using Canopy.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;

namespace Canopy.Accounts;

/// <summary>
/// Caches each account's <see cref="AccountContext"/> (its order settings and its subaccounts). Any change to an account or
/// a subaccount saved through EF on this node evicts the entry at once (<see cref="AccountChangeInterceptor"/>); other nodes
/// reload within <see cref="Ttl"/>, the same bound as token revocation.
/// </summary>
public sealed class AccountContextCache(IMemoryCache cache, IServiceScopeFactory scopes)
{
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);
    private long _version;

    public async ValueTask<AccountContext> GetAsync(long accountId, CancellationToken ct) =>
        cache.TryGetValue(Key(accountId), out AccountContext? hit) && hit is not null ? hit : await LoadAsync(accountId, ct);

    private async Task<AccountContext> LoadAsync(long accountId, CancellationToken ct)
    {
        var version = Interlocked.Read(ref _version);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        var account = await db.Accounts.AsNoTracking().Where(a => a.Id == accountId)
            .Select(a => new { a.Currency, a.Billing, a.DefaultPortfolioId, a.CardPaymentMethod, a.StripeCustomerId, a.RideGramsPerKm })
            .FirstAsync(ct);
        var subaccounts = await db.Subaccounts.AsNoTracking().Where(s => s.AccountId == accountId)
            .Select(s => new SubaccountContext(s.Id, s.PublicId, s.Mode, s.DefaultPortfolioId)).ToListAsync(ct);
        var context = new AccountContext(accountId, account.Currency, account.Billing, account.DefaultPortfolioId, account.CardPaymentMethod,
            account.StripeCustomerId, account.RideGramsPerKm, subaccounts.ToDictionary(s => (s.PublicId, s.Mode)));
        // A change saved while this load ran may be missing from it: answer with it, but do not keep it.
        if (Interlocked.Read(ref _version) == version) cache.Set(Key(accountId), context, Ttl);
        return context;
    }

    /// <summary>
    /// The subaccount a request names, or null when the account has no such subaccount in this mode. One the cached
    /// context lacks is looked for again in the database before it is refused: it may have been created on another node
    /// since (a new subaccount works at once on every node; a deleted one is seen within <see cref="Ttl"/>).
    /// </summary>
    public async ValueTask<SubaccountContext?> FindSubaccountAsync(long accountId, TokenMode mode, string publicId, CancellationToken ct)
    {
        if (cache.TryGetValue(Key(accountId), out AccountContext? hit) && hit is not null && hit.Subaccounts.TryGetValue((publicId, mode), out var cached))
            return cached;
        return (await LoadAsync(accountId, ct)).Subaccounts.GetValueOrDefault((publicId, mode));
    }

    public void Invalidate(long accountId)
    {
        Interlocked.Increment(ref _version);
        cache.Remove(Key(accountId));
    }

    private static string Key(long accountId) => "account-context:" + accountId.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
