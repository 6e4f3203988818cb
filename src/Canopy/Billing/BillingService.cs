using Canopy.Kernel;
using System.Globalization;
using Canopy.Data;
using Canopy.Ledger;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Canopy.Billing;

public enum BillingRunResult { Ran, AlreadyRan, MonthNotOver }

public enum PayResult { Paid, NotFound, AlreadyPaid }

/// <summary><c>Billing</c>: the monthly job.</summary>
public sealed class BillingOptions
{
    /// <summary>Whether this node runs the monthly job (any number of nodes may: each month runs once).</summary>
    public bool JobEnabled { get; set; } = true;
    public int PollMinutes { get; set; } = 60;
}

/// <summary>
/// Month-end billing (DESIGN §5): for each finished calendar month (UTC), an invoice per account whose receivable moved
/// (its orders, its cancellation credits, its total) and a payout statement per project (what it is owed from the month's
/// allocations, net of the month's cancellations), both read from the ledger so they match it to the cent. A month runs
/// once across all nodes: its <see cref="BillingRun"/> row is inserted first in the same transaction as everything it
/// makes, so a second node waits on that key and then finds the month done; a crash leaves nothing, and the next pass
/// (after a restart too) does the month again. Issuing and paying are balanced ledger transactions with unique keys.
/// </summary>
public sealed class BillingService(CanopyDbContext db, LedgerService ledger, LedgerAccounts ledgerAccounts, TimeProvider time, ILogger<BillingService> logger)
{
    public static string PeriodOf(DateTime monthStart) => monthStart.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    /// <summary>A month written as periods are stored: exactly <c>yyyy-MM</c> (so <c>2024-1</c> is not one).</summary>
    public static bool IsPeriod(string? text) => text is { Length: 7 } && TryParsePeriod(text, out _);

    /// <summary>The first month the operator API takes: nothing was billed before it.</summary>
    public const string FirstPeriod = "2000-01";

    /// <summary>
    /// A month the operator API takes (a billing run, a filter, a cursor): yyyy-MM from <see cref="FirstPeriod"/> to the
    /// month after <paramref name="now"/>'s; 0001-01 or 9999-12 are typing mistakes, not months to bill.
    /// </summary>
    public static bool IsPlausiblePeriod(string? text, DateTime now) =>
        IsPeriod(text) && TryParsePeriod(text, out var month)
        && string.CompareOrdinal(text, FirstPeriod) >= 0
        && month <= new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(1);

    public static bool TryParsePeriod(string? text, out DateTime monthStart) =>
        DateTime.TryParseExact(text, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out monthStart);

    /// <summary>Runs every finished month that has not run yet (from the month of the first ledger transaction); returns how many ran.</summary>
    public async Task<int> RunDueAsync(CancellationToken ct)
    {
        var first = await db.LedgerTransactions.MinAsync(t => (DateTime?)t.CreatedAt, ct);
        if (first is null) return 0;
        var done = (await db.BillingRuns.Select(r => r.Period).ToListAsync(ct)).ToHashSet(StringComparer.Ordinal);
        var now = time.GetUtcNow().UtcDateTime;
        var current = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        var ran = 0;
        for (var month = new DateTime(first.Value.Year, first.Value.Month, 1, 0, 0, 0, DateTimeKind.Utc); month < current; month = month.AddMonths(1))
            if (!done.Contains(PeriodOf(month)) && await RunAsync(month, ct) == BillingRunResult.Ran) ran++;
        return ran;
    }

    /// <summary>Bills one finished month.</summary>
    public async Task<BillingRunResult> RunAsync(DateTime monthStart, CancellationToken ct)
    {
        var period = PeriodOf(monthStart);
        var now = time.GetUtcNow().UtcDateTime;
        // A month that has not begun is not over (checked first: the month after 9999-12 does not exist).
        if (monthStart > now) return BillingRunResult.MonthNotOver;
        var end = monthStart.AddMonths(1);
        if (end > now) return BillingRunResult.MonthNotOver;
        if (await db.BillingRuns.AnyAsync(r => r.Period == period, ct)) return BillingRunResult.AlreadyRan;

        // The month is over, so nothing new lands in it: read before the transaction.
        var entries = await (
            from e in db.LedgerEntries
            join t in db.LedgerTransactions on e.TransactionId equals t.Id
            join a in db.LedgerAccounts on e.LedgerAccountId equals a.Id
            where t.CreatedAt >= monthStart && t.CreatedAt < end && (t.Kind == "order_payment" || t.Kind == "order_refund")
                && (a.Kind == LedgerAccountKind.CustomerReceivable || a.Kind == LedgerAccountKind.ProjectPayable) && a.Currency == Usd.Code
            orderby t.Id, e.Id
            select new { e.Amount, TransactionId = t.Id, t.Key, t.Kind, t.Note, t.CreatedAt, AccountKind = a.Kind, a.AccountId, a.ProjectId })
            .ToListAsync(ct);
        var receivable = entries.Where(e => e.AccountKind == LedgerAccountKind.CustomerReceivable && e.AccountId != null).GroupBy(e => e.AccountId!.Value).ToList();
        var payable = entries.Where(e => e.AccountKind == LedgerAccountKind.ProjectPayable && e.ProjectId != null).GroupBy(e => e.ProjectId!.Value).ToList();
        var orderIds = payable.SelectMany(g => g).Select(e => OrderIdOf(e.Key)).Distinct().ToList();
        var grams = (await (
                from a in db.OrderAllocations
                join o in db.Orders on a.OrderId equals o.Id
                where orderIds.Contains(o.PublicId)
                select new { o.PublicId, a.ProjectId, a.Grams }).ToListAsync(ct))
            .GroupBy(x => (x.PublicId, x.ProjectId)).ToDictionary(g => g.Key, g => g.Sum(x => x.Grams));

        // Ledger accounts exist before the transaction opens (see LedgerAccounts).
        var accounts = new Dictionary<(LedgerAccountKind, long), long>();
        foreach (var g in receivable)
            foreach (var kind in new[] { LedgerAccountKind.CustomerReceivable, LedgerAccountKind.InvoicedReceivable })
                accounts[(kind, g.Key)] = await ledgerAccounts.EnsureAsync(kind, Usd.Code, g.Key, ct);
        foreach (var g in payable)
            foreach (var kind in new[] { LedgerAccountKind.ProjectPayable, LedgerAccountKind.PayoutPayable })
                accounts[(kind, g.Key)] = await ledgerAccounts.EnsureAsync(kind, Usd.Code, g.Key, ct);

        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var run = new BillingRun { Period = period, RanAt = now, Invoices = receivable.Count, Payouts = payable.Count };
        db.BillingRuns.Add(run);
        try
        {
            // The claim: a second node blocks here until this commits, then fails on the key.
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation(db, "pk_billing_runs"))
        {
            await tx.RollbackAsync(CancellationToken.None);
            db.ChangeTracker.Clear();
            return BillingRunResult.AlreadyRan;
        }

        foreach (var g in receivable)
        {
            // The receivable is an asset: an order takes it below zero, a cancellation gives it back. Invoice lines show charges positive.
            var lines = g.Select(e => new InvoiceLine
            {
                AccountId = g.Key, Kind = e.Kind == "order_refund" ? "cancellation" : "order", OrderId = OrderIdOf(e.Key), Description = e.Note,
                AmountUsdCents = -e.Amount, LedgerTransactionId = e.TransactionId, OccurredAt = e.CreatedAt,
            }).ToList();
            var total = lines.Sum(l => l.AmountUsdCents);
            db.Invoices.Add(new Invoice { AccountId = g.Key, Period = period, Currency = Usd.Code, TotalUsdCents = total, Status = StatementStatus.Issued, IssuedAt = now, Lines = lines });
            if (total != 0)
                await ledger.PostAsync($"invoice:{g.Key}:{period}:issue", PostingKind.InvoiceIssue.Name(), Chart.Currency, g.Key, $"Invoice {period}",
                    [new Leg(accounts[(LedgerAccountKind.CustomerReceivable, g.Key)], total), new Leg(accounts[(LedgerAccountKind.InvoicedReceivable, g.Key)], -total)], ct);
        }
        foreach (var g in payable)
        {
            var lines = g.Select(e => new PayoutLine
            {
                ProjectId = g.Key, Kind = e.Kind == "order_refund" ? "cancellation" : "allocation", OrderId = OrderIdOf(e.Key),
                AmountUsdCents = e.Amount, Grams = Math.Sign(e.Amount) * grams.GetValueOrDefault((OrderIdOf(e.Key), g.Key)),
                LedgerTransactionId = e.TransactionId, OccurredAt = e.CreatedAt,
            }).ToList();
            var total = lines.Sum(l => l.AmountUsdCents);
            db.Payouts.Add(new Payout
            {
                ProjectId = g.Key, Period = period, Currency = Usd.Code, TotalUsdCents = total, Grams = lines.Sum(l => l.Grams),
                Status = StatementStatus.Issued, IssuedAt = now, Lines = lines,
            });
            if (total != 0)
                await ledger.PostAsync($"payout:{g.Key}:{period}:issue", PostingKind.PayoutIssue.Name(), Chart.Currency, null, $"Payout {period}",
                    [new Leg(accounts[(LedgerAccountKind.ProjectPayable, g.Key)], -total), new Leg(accounts[(LedgerAccountKind.PayoutPayable, g.Key)], total)], ct);
        }
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(CancellationToken.None);
        logger.LogInformation("Billed {Period}: {Invoices} invoices, {Payouts} payouts", period, run.Invoices, run.Payouts);
        return BillingRunResult.Ran;
    }

    /// <summary>Records the customer's payment of an invoice: the billed receivable is settled into the bank account.</summary>
    public async Task<PayResult> PayInvoiceAsync(long id, CancellationToken ct)
    {
        var invoice = await db.Invoices.AsNoTracking().FirstOrDefaultAsync(i => i.Id == id, ct);
        if (invoice is null) return PayResult.NotFound;
        if (invoice.Status == StatementStatus.Paid) return PayResult.AlreadyPaid;
        var invoiced = await ledgerAccounts.EnsureAsync(LedgerAccountKind.InvoicedReceivable, Chart.Currency, invoice.AccountId, ct);
        var bank = await ledgerAccounts.EnsureAsync(LedgerAccountKind.Bank, Chart.Currency, null, ct);
        return await PayAsync(() => db.Invoices.Where(i => i.Id == id && i.Status == StatementStatus.Issued)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, StatementStatus.Paid).SetProperty(i => i.PaidAt, time.GetUtcNow().UtcDateTime), ct),
            invoice.TotalUsdCents, $"invoice:{id}:paid", PostingKind.InvoicePaid.Name(), invoice.AccountId, $"Invoice {invoice.Period} paid",
            [new Leg(invoiced, invoice.TotalUsdCents), new Leg(bank, -invoice.TotalUsdCents)], ct);
    }

    /// <summary>Records a payout sent to a project partner: the stated payable is settled out of the bank account.</summary>
    public async Task<PayResult> PayPayoutAsync(long id, CancellationToken ct)
    {
        var payout = await db.Payouts.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, ct);
        if (payout is null) return PayResult.NotFound;
        if (payout.Status == StatementStatus.Paid) return PayResult.AlreadyPaid;
        var due = await ledgerAccounts.EnsureAsync(LedgerAccountKind.PayoutPayable, Chart.Currency, payout.ProjectId, ct);
        var bank = await ledgerAccounts.EnsureAsync(LedgerAccountKind.Bank, Chart.Currency, null, ct);
        return await PayAsync(() => db.Payouts.Where(p => p.Id == id && p.Status == StatementStatus.Issued)
            .ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, StatementStatus.Paid).SetProperty(p => p.PaidAt, time.GetUtcNow().UtcDateTime), ct),
            payout.TotalUsdCents, $"payout:{id}:paid", PostingKind.PayoutPaid.Name(), null, $"Payout {payout.Period} paid",
            [new Leg(due, -payout.TotalUsdCents), new Leg(bank, payout.TotalUsdCents)], ct);
    }

    /// <summary>Flips the status (a conditional update: one of two concurrent calls wins) and posts the ledger transaction, or neither.</summary>
    private async Task<PayResult> PayAsync(Func<Task<int>> flip, long total, string key, string kind, long? accountId, string note, Leg[] legs, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (await flip() == 0)
        {
            await tx.RollbackAsync(CancellationToken.None);
            return PayResult.AlreadyPaid;
        }
        if (total != 0) await ledger.PostAsync(key, kind, Chart.Currency, accountId, note, legs, ct);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(CancellationToken.None);
        return PayResult.Paid;
    }

    private static string OrderIdOf(string key) => key.Split(':') is [_, var id, ..] ? id : key;
}
