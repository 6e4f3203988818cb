using Canopy.Data;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Ledger;

/// <summary>The invariants of the books; all lists empty means the ledger is sound.</summary>
public sealed record LedgerCheckReport(
    bool Ok,
    long Transactions,
    IReadOnlyList<long> UnbalancedTransactions,
    IReadOnlyList<BalanceMismatch> BalanceMismatches,
    IReadOnlyList<long> NegativeCreditAccounts,
    IReadOnlyList<long> NegativeBatches,
    IReadOnlyList<long> MixedCurrencyTransactions);

public sealed record BalanceMismatch(long LedgerAccountId, string Code, long CachedBalance, long SumOfEntries);

/// <summary>Proves DESIGN §4's invariants against the database as it is.</summary>
public static class LedgerCheck
{
    public static async Task<LedgerCheckReport> RunAsync(CanopyDbContext db, CancellationToken ct)
    {
        var transactions = await db.LedgerTransactions.LongCountAsync(ct);
        var unbalanced = await db.LedgerEntries.GroupBy(e => e.TransactionId)
            .Where(g => g.Sum(e => e.Amount) != 0).Select(g => g.Key).OrderBy(x => x).Take(100).ToListAsync(ct);

        var tracked = new[] { LedgerAccountKind.CustomerCredits }; // the only cached balances (LedgerService.TracksBalance)
        var mismatches = await (
            from a in db.LedgerAccounts
            where tracked.Contains(a.Kind)
            let sum = db.LedgerEntries.Where(e => e.LedgerAccountId == a.Id).Sum(e => (long?)e.Amount) ?? 0
            where sum != a.Balance
            orderby a.Id
            select new BalanceMismatch(a.Id, a.Code, a.Balance, sum)).Take(100).ToListAsync(ct);

        var negativeCredits = await db.LedgerAccounts
            .Where(a => a.Kind == LedgerAccountKind.CustomerCredits && a.Balance < 0)
            .Select(a => a.Id).OrderBy(x => x).Take(100).ToListAsync(ct);
        var negativeBatches = await db.CreditBatches.Where(b => b.GramsAvailable < 0).Select(b => b.Id).OrderBy(x => x).Take(100).ToListAsync(ct);

        // One currency per transaction: every entry's ledger account is in the transaction's currency.
        var mixed = await (
            from e in db.LedgerEntries
            join a in db.LedgerAccounts on e.LedgerAccountId equals a.Id
            join t in db.LedgerTransactions on e.TransactionId equals t.Id
            where a.Currency != t.Currency
            select t.Id).Distinct().OrderBy(x => x).Take(100).ToListAsync(ct);

        var ok = unbalanced.Count == 0 && mismatches.Count == 0 && negativeCredits.Count == 0 && negativeBatches.Count == 0 && mixed.Count == 0;
        return new LedgerCheckReport(ok, transactions, unbalanced, mismatches, negativeCredits, negativeBatches, mixed);
    }
}
