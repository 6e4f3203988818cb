using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Canopy.Ledger;

/// <summary>What a ledger account stands for.</summary>
public enum LedgerAccountKind
{
    /// <summary>A customer's prepaid USD credits (per account). Never below zero.</summary>
    CustomerCredits = 0,
    /// <summary>What a customer owes on invoice (per account and currency).</summary>
    CustomerReceivable = 1,
    /// <summary>Card money in flight at the payment processor (per currency).</summary>
    StripeClearing = 2,
    /// <summary>What Canopy owes a project partner (per project, USD).</summary>
    ProjectPayable = 3,
    /// <summary>Canopy's margin (per currency).</summary>
    PlatformRevenue = 4,
    /// <summary>Where operator-granted credits come from: money received outside the system (per currency).</summary>
    OperatorFunding = 5,
    /// <summary>What a customer owes on issued invoices (per account): the month's receivable moves here when the invoice is issued.</summary>
    InvoicedReceivable = 6,
    /// <summary>The operator's bank account (per currency): invoice payments come in, partner payouts go out.</summary>
    Bank = 7,
    /// <summary>What a project partner is owed on issued payout statements (per project).</summary>
    PayoutPayable = 8,
    /// <summary>Card money the processor took back for a dispute (chargeback) until the dispute is settled (per currency).</summary>
    CardDisputes = 9,
}

/// <summary>
/// A ledger account. <see cref="Balance"/> is a cache of the sum of its entries, kept in the same
/// transaction as the entries; <c>GET /admin/ledger/check</c> proves that it is.
/// </summary>
public sealed class LedgerAccount
{
    public long Id { get; set; }
    /// <summary>Unique name, e.g. "customer_credits:42:USD".</summary>
    public required string Code { get; set; }
    public LedgerAccountKind Kind { get; set; }
    public long? AccountId { get; set; }
    public long? ProjectId { get; set; }
    public required string Currency { get; set; }
    /// <summary>Sum of this account's entries, in minor units.</summary>
    public long Balance { get; set; }

    public static string CodeFor(LedgerAccountKind kind, string currency, long? ownerId = null) => kind switch
    {
        LedgerAccountKind.CustomerCredits => $"customer_credits:{ownerId}:{currency}",
        LedgerAccountKind.CustomerReceivable => $"customer_receivable:{ownerId}:{currency}",
        LedgerAccountKind.ProjectPayable => $"project_payable:{ownerId}:{currency}",
        LedgerAccountKind.StripeClearing => $"stripe_clearing:{currency}",
        LedgerAccountKind.PlatformRevenue => $"platform_revenue:{currency}",
        LedgerAccountKind.OperatorFunding => $"operator_funding:{currency}",
        LedgerAccountKind.InvoicedReceivable => $"invoiced_receivable:{ownerId}:{currency}",
        LedgerAccountKind.Bank => $"bank:{currency}",
        LedgerAccountKind.PayoutPayable => $"payout_payable:{ownerId}:{currency}",
        LedgerAccountKind.CardDisputes => $"card_disputes:{currency}",
    };
}

/// <summary>An immutable, balanced money movement in one currency. Corrections are new reversing transactions.</summary>
public sealed class LedgerTransaction
{
    public long Id { get; set; }
    /// <summary>Unique purpose key (e.g. "order:ABC:payment"), so that each movement posts at most once.</summary>
    public required string Key { get; set; }
    /// <summary>What kind of movement: credits_topup, order_payment, order_refund, …</summary>
    public required string Kind { get; set; }
    public required string Currency { get; set; }
    /// <summary>The customer account this movement concerns, if any.</summary>
    public long? AccountId { get; set; }
    public string? Note { get; set; }
    public DateTime CreatedAt { get; set; }
    public List<LedgerEntry> Entries { get; set; } = [];
}

/// <summary>One leg of a transaction; a transaction's entries sum to zero.</summary>
public sealed class LedgerEntry
{
    public long Id { get; set; }
    public long TransactionId { get; set; }
    public long LedgerAccountId { get; set; }
    /// <summary>Signed minor units: positive raises the ledger account's balance.</summary>
    public long Amount { get; set; }
}

internal sealed class LedgerAccountConfiguration : IEntityTypeConfiguration<LedgerAccount>
{
    public void Configure(EntityTypeBuilder<LedgerAccount> b)
    {
        b.ToTable("ledger_accounts", t => t.HasCheckConstraint("ck_ledger_accounts_credits_nonnegative", "kind <> 0 OR balance >= 0"));
        b.Property(x => x.Code).HasMaxLength(100);
        b.Property(x => x.Currency).HasMaxLength(3);
        b.HasIndex(x => x.Code).IsUnique();
        b.HasIndex(x => x.AccountId);
    }
}

internal sealed class LedgerTransactionConfiguration : IEntityTypeConfiguration<LedgerTransaction>
{
    public void Configure(EntityTypeBuilder<LedgerTransaction> b)
    {
        b.ToTable("ledger_transactions");
        b.Property(x => x.Key).HasMaxLength(200);
        b.Property(x => x.Kind).HasMaxLength(50);
        b.Property(x => x.Currency).HasMaxLength(3);
        b.Property(x => x.Note).HasMaxLength(1000);
        b.HasIndex(x => x.Key).IsUnique();
        b.HasIndex(x => x.AccountId);
        b.HasMany(x => x.Entries).WithOne().HasForeignKey(x => x.TransactionId);
    }
}

internal sealed class LedgerEntryConfiguration : IEntityTypeConfiguration<LedgerEntry>
{
    public void Configure(EntityTypeBuilder<LedgerEntry> b)
    {
        b.ToTable("ledger_entries");
        b.HasIndex(x => x.TransactionId);
        b.HasIndex(x => x.LedgerAccountId);
        b.HasOne<LedgerAccount>().WithMany().HasForeignKey(x => x.LedgerAccountId);
    }
}
