using Canopy.Data;
using Microsoft.EntityFrameworkCore;

using Canopy.Kernel;

using Canopy.Ledger;
namespace Canopy.Audit;

/// <summary>The invariants of the books; all lists empty means the ledger is sound.</summary>
public sealed record LedgerCheckReport(
    bool Ok,
    long Transactions,
    IReadOnlyList<long> UnbalancedTransactions,
    IReadOnlyList<BalanceMismatch> BalanceMismatches,
    IReadOnlyList<long> NegativeCreditAccounts,
    IReadOnlyList<long> NegativeBatches,
    IReadOnlyList<long> MixedCurrencyTransactions,
    CarbonCheck Carbon);

/// <summary>
/// The carbon side: every fulfilled allocation is exactly retired, nothing is retired twice or for a cancelled order,
/// each batch's retired grams (issued − available) equal its live retirements, and each order's money matches its
/// allocations and its ledger (payment posted once for what it cost; a refund exactly when it was cancelled).
/// </summary>
public sealed record CarbonCheck(
    long GramsRetiredPerBatches,
    long GramsInLiveRetirements,
    IReadOnlyList<long> FulfilledAllocationsNotFullyRetired,
    IReadOnlyList<long> AllocationsOverRetired,
    IReadOnlyList<long> BatchesNotMatchingRetirements,
    IReadOnlyList<string> OrdersNotReconciled);

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

        var carbon = await CarbonAsync(db, ct);
        var ok = unbalanced.Count == 0 && mismatches.Count == 0 && negativeCredits.Count == 0 && negativeBatches.Count == 0 && mixed.Count == 0
            && carbon.GramsRetiredPerBatches == carbon.GramsInLiveRetirements && carbon.FulfilledAllocationsNotFullyRetired.Count == 0
            && carbon.AllocationsOverRetired.Count == 0 && carbon.BatchesNotMatchingRetirements.Count == 0 && carbon.OrdersNotReconciled.Count == 0;
        return new LedgerCheckReport(ok, transactions, unbalanced, mismatches, negativeCredits, negativeBatches, mixed, carbon);
    }

    private static async Task<CarbonCheck> CarbonAsync(CanopyDbContext db, CancellationToken ct)
    {
        var live = db.Retirements.Where(r => r.ReleasedAt == null);
        var perBatches = await db.CreditBatches.SumAsync(b => (long?)(b.GramsIssued - b.GramsAvailable), ct) ?? 0;
        var inRetirements = await live.SumAsync(r => (long?)r.Grams, ct) ?? 0;

        var retiredPerAllocation =
            from a in db.OrderAllocations
            join o in db.Orders on a.OrderId equals o.Id
            join p in db.Projects on a.ProjectId equals p.Id
            select new
            {
                a.Id, a.Grams, a.Cancelled, a.Mode, o.State, p.Kind,
                Retired = live.Where(r => r.AllocationId == a.Id).Sum(r => (long?)r.Grams) ?? 0,
            };
        var under = await retiredPerAllocation
            .Where(x => x.State == Ordering.OrderState.Fulfilled && x.Mode == Accounts.TokenMode.Live && x.Kind == Catalog.ProjectKind.Offset
                && !x.Cancelled && x.Retired != x.Grams)
            .Select(x => x.Id).OrderBy(x => x).Take(100).ToListAsync(ct);
        var over = await retiredPerAllocation.Where(x => x.Retired > x.Grams || (x.Retired > 0 && (x.Cancelled || x.Mode != Accounts.TokenMode.Live)))
            .Select(x => x.Id).OrderBy(x => x).Take(100).ToListAsync(ct);
        var batches = await db.CreditBatches
            .Where(b => b.GramsIssued - b.GramsAvailable != (live.Where(r => r.BatchId == b.Id).Sum(r => (long?)r.Grams) ?? 0))
            .Select(b => b.Id).OrderBy(x => x).Take(100).ToListAsync(ct);

        // Money and carbon per order: allocations add up to the order; a charged order's payment moved exactly its price, once;
        // a refund exists exactly when a charged order was cancelled.
        var charged = db.Orders.Where(o => o.Mode == Accounts.TokenMode.Live && o.PriceUsdCents > 0);
        var splitWrong = db.Orders.Where(o =>
            db.OrderAllocations.Where(a => a.OrderId == o.Id).Sum(a => (long?)a.PriceUsdCents) != o.PriceUsdCents
            || (o.Kind != Ordering.OrderKind.Tree && db.OrderAllocations.Where(a => a.OrderId == o.Id).Sum(a => (long?)a.Grams) != o.Grams));
        var paymentWrong = charged.Where(o => (db.LedgerTransactions.Where(t => t.Key == "order:" + o.PublicId + ":payment")
            .SelectMany(t => t.Entries).Where(e => e.Amount > 0).Sum(e => (long?)e.Amount) ?? 0) != o.PriceUsdCents);
        var refundWrong = charged.Where(o => (o.State == Ordering.OrderState.Cancelled)
            != db.LedgerTransactions.Any(t => t.Key == "order:" + o.PublicId + ":refund"));
        var orders = await splitWrong.Concat(paymentWrong).Concat(refundWrong).Select(o => o.PublicId).Distinct().OrderBy(x => x).Take(100).ToListAsync(ct);

        return new CarbonCheck(perBatches, inRetirements, under, over, batches, orders);
    }
}
