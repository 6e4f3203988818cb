using Canopy.Accounts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Canopy.Billing;

public enum StatementStatus { Issued = 0, Paid = 1 }

/// <summary>
/// A month's invoice for an invoice-billed account: one line per order charged to its receivable that month and one
/// credit line per cancellation. Amounts in USD cents; a month with more credits than charges has a negative total.
/// </summary>
public sealed class Invoice
{
    public long Id { get; set; }
    public long AccountId { get; set; }
    /// <summary>The calendar month (UTC), "yyyy-MM".</summary>
    public required string Period { get; set; }
    public required string Currency { get; set; }
    public long TotalUsdCents { get; set; }
    public StatementStatus Status { get; set; }
    public DateTime IssuedAt { get; set; }
    public DateTime? PaidAt { get; set; }
    public List<InvoiceLine> Lines { get; set; } = [];
}

public sealed class InvoiceLine
{
    public long Id { get; set; }
    public long InvoiceId { get; set; }
    public long AccountId { get; set; }
    /// <summary>"order" (a charge) or "cancellation" (a credit).</summary>
    public required string Kind { get; set; }
    public required string OrderId { get; set; }
    public string? Description { get; set; }
    /// <summary>Signed: charges positive, credits negative.</summary>
    public long AmountUsdCents { get; set; }
    public long LedgerTransactionId { get; set; }
    public DateTime OccurredAt { get; set; }
}

internal sealed class InvoiceConfiguration : IEntityTypeConfiguration<Invoice>
{
    public void Configure(EntityTypeBuilder<Invoice> b)
    {
        b.ToTable("invoices");
        b.Property(x => x.Period).HasMaxLength(7);
        b.Property(x => x.Currency).HasMaxLength(3);
        b.HasIndex(x => new { x.AccountId, x.Period }).IsUnique();
        b.HasMany(x => x.Lines).WithOne().HasForeignKey(x => x.InvoiceId);
        b.HasOne<Account>().WithMany().HasForeignKey(x => x.AccountId);
    }
}

internal sealed class InvoiceLineConfiguration : IEntityTypeConfiguration<InvoiceLine>
{
    public void Configure(EntityTypeBuilder<InvoiceLine> b)
    {
        b.ToTable("invoice_lines");
        b.Property(x => x.Kind).HasMaxLength(20);
        b.Property(x => x.OrderId).HasMaxLength(32);
        b.Property(x => x.Description).HasMaxLength(1000);
        b.HasIndex(x => x.InvoiceId);
    }
}
