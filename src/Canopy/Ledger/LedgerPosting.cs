namespace Canopy.Ledger;

/// <summary>A balanced ledger transaction ready to post: its unique key (posted at most once), kind, currency, note and legs.</summary>
public sealed record LedgerPosting(string Key, string Kind, string Currency, string? Note, IReadOnlyList<Leg> Legs)
{
    /// <summary>Checks the rules every transaction obeys (at least two legs, summing to zero, one currency) and builds it.</summary>
    public static LedgerPosting Create(string key, string kind, string currency, string? note, IReadOnlyList<Leg> legs, LedgerAccounts accounts)
    {
        if (legs.Count < 2) throw new ArgumentException("A transaction needs at least two legs.", nameof(legs));
        long sum = 0;
        foreach (var leg in legs) sum = checked(sum + leg.Amount);
        if (sum != 0) throw new InvalidOperationException($"Ledger transaction {key} does not balance ({sum}).");
        foreach (var leg in legs)
            if (!string.Equals(accounts.CurrencyOf(leg.LedgerAccountId), currency, StringComparison.Ordinal))
                throw new InvalidOperationException($"Ledger transaction {key} is in {currency} but ledger account {leg.LedgerAccountId} is not: one currency per transaction.");
        return new LedgerPosting(key, kind, currency, note, legs);
    }
}
