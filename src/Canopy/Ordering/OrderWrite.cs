using Canopy.Idempotency;
using Canopy.Ledger;
using Canopy.Notifications;
using Canopy.Outbox;

namespace Canopy.Ordering;

/// <summary>
/// Everything one order commits, prepared in the app before any statement runs: the order and its allocations, its
/// ledger transaction, its outbox messages, the per-account totals, and (with an <c>Idempotency-Key</c>) the claim and
/// the answer to store with it. An <see cref="IOrderStore"/> writes it all in one transaction or nothing.
/// </summary>
public sealed record OrderWrite
{
    public required Order Order { get; init; }
    /// <summary>The ledger transaction paying for the order (none in the sandbox).</summary>
    public LedgerPosting? Posting { get; init; }
    /// <summary>The credits account spent from, when the order is paid by credits: its balance must cover <see cref="SpendCents"/>.</summary>
    public long? CreditsLedgerAccountId { get; init; }
    public long SpendCents { get; init; }
    public required IReadOnlyList<OutboxMessage> Outbox { get; init; }
    /// <summary>Whether the order counts in the account's totals (live orders do).</summary>
    public bool CountsInTotals { get; init; }
    public IdempotencyClaim? Claim { get; init; }
    /// <summary>The answer to store under <see cref="Claim"/>, with <see cref="BalanceMarker"/> standing for the credits left.</summary>
    public StoredAnswer? Answer { get; init; }
    public string? BalanceMarker { get; init; }

    public TotalsChange Totals => TotalsChange.Of(Order);
}

/// <summary>What writing an order came to.</summary>
public abstract record OrderWriteResult
{
    /// <summary>Committed. <see cref="CreditsBalance"/> is the credits left after the spend, for credits orders.</summary>
    public sealed record Committed(long? CreditsBalance) : OrderWriteResult;
    /// <summary>The credits did not cover the order: nothing was written.</summary>
    public sealed record InsufficientCredits(long Balance) : OrderWriteResult;
    /// <summary>Another request with the same key is in flight: nothing was written.</summary>
    public sealed record KeyInUse : OrderWriteResult;
    /// <summary>The key already has a record (finished, expired, or another request's): nothing was written.</summary>
    public sealed record KeyTaken : OrderWriteResult;
}

/// <summary>Writes an order and everything that goes with it in one transaction (PostgreSQL: one batch; SQLite: one writer, group commit).</summary>
public interface IOrderStore
{
    Task<OrderWriteResult> WriteAsync(OrderWrite write, CancellationToken ct);
}
