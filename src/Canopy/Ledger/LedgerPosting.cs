namespace Canopy.Ledger;

/// <summary>
/// The one money movement primitive: a balanced ledger transaction ready to post — its unique key (posted at most once),
/// kind, currency, the customer account it concerns, note and legs. The EF path (<see cref="LedgerService"/>) and the
/// order stores' SQL only render it; a correction is a new posting derived from the original (<see cref="Reverse"/>).
/// </summary>
public sealed record LedgerPosting(string Key, string Kind, string Currency, string? Note, IReadOnlyList<Leg> Legs)
{
    /// <summary>The customer account the movement concerns, if any.</summary>
    public long? AccountId { get; init; }

    /// <summary>Checks the rules every transaction obeys (at least two legs, summing to zero, one currency) and builds it.</summary>
    public static LedgerPosting Create(string key, PostingKind kind, long? accountId, string? note, IReadOnlyList<Leg> legs, LedgerAccounts accounts) =>
        Create(key, kind.Name(), Chart.Currency, note, legs, accounts) with { AccountId = accountId };

    /// <summary>Checks the rules every transaction obeys (at least two legs, summing to zero, one currency) and builds it.</summary>
    public static LedgerPosting Create(string key, string kind, string currency, string? note, IReadOnlyList<Leg> legs, LedgerAccounts accounts)
    {
        Check(key, currency, legs, accounts.CurrencyOf);
        return new LedgerPosting(key, kind, currency, note, legs);
    }

    /// <summary>The posting that undoes this one: every leg negated, same accounts, currency and customer; a new key.</summary>
    public LedgerPosting Reverse(string key, PostingKind kind, string? note) =>
        new(key, kind.Name(), Currency, note, [.. Legs.Select(l => l with { Amount = checked(-l.Amount) })]) { AccountId = AccountId };

    /// <summary>A posted transaction as a posting again (to derive its reversal).</summary>
    public static LedgerPosting Of(LedgerTransaction posted) =>
        new(posted.Key, posted.Kind, posted.Currency, posted.Note,
            [.. posted.Entries.OrderBy(e => e.Id).Select(e => new Leg(e.LedgerAccountId, e.Amount))]) { AccountId = posted.AccountId };

    internal static void Check(string key, string currency, IReadOnlyList<Leg> legs, Func<long, string> currencyOf)
    {
        if (legs.Count < 2) throw new ArgumentException("A transaction needs at least two legs.", nameof(legs));
        long sum = 0;
        foreach (var leg in legs) sum = checked(sum + leg.Amount);
        if (sum != 0) throw new InvalidOperationException($"Ledger transaction {key} does not balance ({sum}).");
        foreach (var leg in legs)
            if (!string.Equals(currencyOf(leg.LedgerAccountId), currency, StringComparison.Ordinal))
                throw new InvalidOperationException($"Ledger transaction {key} is in {currency} but ledger account {leg.LedgerAccountId} is not: one currency per transaction.");
    }
}
