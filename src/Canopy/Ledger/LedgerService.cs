using Canopy.Kernel;
using System.Collections.Concurrent;
using Canopy.Data;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Ledger;

/// <summary>One leg of a posting: which ledger account, how much (signed minor units).</summary>
public readonly record struct Leg(long LedgerAccountId, long Amount);

public enum PostResult { Posted, InsufficientCredits }

/// <summary>
/// Posts balanced transactions. Balances are cached only on the per-customer accounts (credits, receivable):
/// those are what must be checked inside an order, and caching the platform-wide accounts (revenue,
/// project payables) would put one hot row in every order's transaction and serialise all orders.
/// Their balances are the sum of their entries.
/// </summary>
public sealed class LedgerService(CanopyDbContext db, LedgerAccounts accounts, TimeProvider time)
{
    /// <summary>An account's prepaid USD credits (0 before its first top-up).</summary>
    public Task<long> CreditsBalanceAsync(long accountId, CancellationToken ct)
    {
        var code = LedgerAccount.CodeFor(LedgerAccountKind.CustomerCredits, Usd.Code, accountId);
        return db.LedgerAccounts.Where(a => a.Code == code).Select(a => a.Balance).FirstOrDefaultAsync(ct);
    }

    /// <summary>
    /// Only credits carry a cached balance: it is what an order must check inside its transaction. A receivable's balance is
    /// the sum of its entries, so that invoice orders of one account never queue on one row.
    /// </summary>
    public static bool TracksBalance(LedgerAccountKind kind) => kind is LedgerAccountKind.CustomerCredits;

    /// <summary>The same as <see cref="PostAsync(LedgerPosting, CancellationToken)"/>, for a posting given by its parts.</summary>
    public Task<PostResult> PostAsync(string key, string kind, string currency, long? accountId, string? note, IReadOnlyList<Leg> legs, CancellationToken ct) =>
        PostAsync(LedgerPosting.Create(key, kind, currency, note, legs, accounts) with { AccountId = accountId }, ct);

    /// <summary>
    /// Adds a balanced transaction to the context and applies its balance changes. Must run inside the caller's
    /// database transaction; the caller's SaveChanges writes the transaction rows with the rest of its work.
    /// A credits account that would go below zero makes nothing change and returns <see cref="PostResult.InsufficientCredits"/>.
    /// </summary>
    public async Task<PostResult> PostAsync(LedgerPosting posting, CancellationToken ct)
    {
        LedgerPosting.Check(posting.Key, posting.Currency, posting.Legs, accounts.CurrencyOf);
        var legs = posting.Legs;

        // Decreases first, in id order: a refused spend then changes nothing, and concurrent postings lock rows in one order.
        var deltas = legs.GroupBy(l => l.LedgerAccountId)
            .Select(g => (Id: g.Key, Delta: g.Sum(l => l.Amount), Kind: accounts.KindOf(g.Key)))
            .Where(d => d.Delta != 0 && TracksBalance(d.Kind))
            .OrderBy(d => d.Delta >= 0).ThenBy(d => d.Id);
        foreach (var (id, delta, accountKind) in deltas)
        {
            int changed;
            if (delta < 0 && accountKind == LedgerAccountKind.CustomerCredits)
            {
                var spend = -delta;
                // The conditional update is the overspend guard: two concurrent spends cannot both pass it.
                changed = await db.LedgerAccounts.Where(a => a.Id == id && a.Balance >= spend)
                    .ExecuteUpdateAsync(s => s.SetProperty(a => a.Balance, a => a.Balance - spend), ct);
                if (changed == 0) return PostResult.InsufficientCredits;
            }
            else
            {
                changed = await db.LedgerAccounts.Where(a => a.Id == id)
                    .ExecuteUpdateAsync(s => s.SetProperty(a => a.Balance, a => a.Balance + delta), ct);
                if (changed == 0) throw new InvalidOperationException($"Ledger account {id} does not exist.");
            }
        }

        db.LedgerTransactions.Add(new LedgerTransaction
        {
            Key = posting.Key,
            Kind = posting.Kind,
            Currency = posting.Currency,
            AccountId = posting.AccountId,
            Note = posting.Note,
            CreatedAt = time.GetUtcNow().UtcDateTime,
            Entries = [.. legs.Select(l => new LedgerEntry { LedgerAccountId = l.LedgerAccountId, Amount = l.Amount })],
        });
        return PostResult.Posted;
    }

    /// <summary>The posted transaction with this key, as a posting (null when none was posted).</summary>
    public async Task<LedgerPosting?> FindAsync(string key, CancellationToken ct)
    {
        var posted = await db.LedgerTransactions.AsNoTracking().Include(t => t.Entries).FirstOrDefaultAsync(t => t.Key == key, ct);
        return posted is null ? null : LedgerPosting.Of(posted);
    }
}

/// <summary>
/// Finds or creates ledger accounts by code, and remembers them (they never change kind or go away).
/// Call <see cref="EnsureAsync"/> before opening the transaction that posts to them: creation uses its own
/// connection, which on SQLite would otherwise wait on the caller's write lock.
/// </summary>
public sealed class LedgerAccounts(IServiceScopeFactory scopes)
{
    private readonly ConcurrentDictionary<string, (long Id, LedgerAccountKind Kind)> _byCode = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, (LedgerAccountKind Kind, string Currency)> _kinds = new();

    public LedgerAccountKind KindOf(long id) => Known(id).Kind;

    public string CurrencyOf(long id) => Known(id).Currency;

    private (LedgerAccountKind Kind, string Currency) Known(long id) =>
        _kinds.TryGetValue(id, out var known) ? known : throw new InvalidOperationException($"Ledger account {id} was not ensured first.");

    public async ValueTask<long> EnsureAsync(LedgerAccountKind kind, string currency, long? ownerId, CancellationToken ct)
    {
        var code = LedgerAccount.CodeFor(kind, currency, ownerId);
        if (_byCode.TryGetValue(code, out var hit)) return hit.Id;

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        var id = await db.LedgerAccounts.Where(a => a.Code == code).Select(a => (long?)a.Id).FirstOrDefaultAsync(ct);
        if (id is null)
        {
            var account = new LedgerAccount
            {
                Code = code,
                Kind = kind,
                Currency = currency,
                AccountId = kind is LedgerAccountKind.CustomerCredits or LedgerAccountKind.CustomerReceivable or LedgerAccountKind.InvoicedReceivable ? ownerId : null,
                ProjectId = kind is LedgerAccountKind.ProjectPayable or LedgerAccountKind.PayoutPayable ? ownerId : null,
            };
            db.LedgerAccounts.Add(account);
            try
            {
                await db.SaveChangesAsync(ct);
                id = account.Id;
            }
            catch (DbUpdateException e) when (e.IsUniqueViolation(db, "ix_ledger_accounts_code"))
            {
                // Another request created it first.
                db.ChangeTracker.Clear();
                id = await db.LedgerAccounts.Where(a => a.Code == code).Select(a => a.Id).FirstAsync(ct);
            }
        }
        _byCode[code] = (id.Value, kind);
        _kinds[id.Value] = (kind, currency);
        return id.Value;
    }

}
