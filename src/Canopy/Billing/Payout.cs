using Canopy.Catalog;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Canopy.Billing;

/// <summary>
/// A month's payout statement for a project partner: what the project is owed from that month's allocations (donations
/// included: they hold no inventory and are settled here), net of that month's cancellations. USD cents.
/// </summary>
public sealed class Payout
{
    public long Id { get; set; }
    public long ProjectId { get; set; }
    /// <summary>The calendar month (UTC), "yyyy-MM".</summary>
    public required string Period { get; set; }
    public required string Currency { get; set; }
    public long TotalUsdCents { get; set; }
    public long Grams { get; set; }
    public StatementStatus Status { get; set; }
    public DateTime IssuedAt { get; set; }
    public DateTime? PaidAt { get; set; }
    public List<PayoutLine> Lines { get; set; } = [];
}

public sealed class PayoutLine
{
    public long Id { get; set; }
    public long PayoutId { get; set; }
    public long ProjectId { get; set; }
    /// <summary>"allocation" (owed) or "cancellation" (taken back).</summary>
    public required string Kind { get; set; }
    public required string OrderId { get; set; }
    /// <summary>Signed: allocations positive, cancellations negative.</summary>
    public long AmountUsdCents { get; set; }
    public long Grams { get; set; }
    public long LedgerTransactionId { get; set; }
    public DateTime OccurredAt { get; set; }
}

/// <summary>One month's billing, done once across all nodes: its row commits with the invoices and payouts it made.</summary>
public sealed class BillingRun
{
    public required string Period { get; set; }
    public DateTime RanAt { get; set; }
    public int Invoices { get; set; }
    public int Payouts { get; set; }
}

internal sealed class PayoutConfiguration : IEntityTypeConfiguration<Payout>
{
    public void Configure(EntityTypeBuilder<Payout> b)
    {
        b.ToTable("payouts");
        b.Property(x => x.Period).HasMaxLength(7);
        b.Property(x => x.Currency).HasMaxLength(3);
        b.HasIndex(x => new { x.ProjectId, x.Period }).IsUnique();
        b.HasMany(x => x.Lines).WithOne().HasForeignKey(x => x.PayoutId);
        b.HasOne<Project>().WithMany().HasForeignKey(x => x.ProjectId);
    }
}

internal sealed class PayoutLineConfiguration : IEntityTypeConfiguration<PayoutLine>
{
    public void Configure(EntityTypeBuilder<PayoutLine> b)
    {
        b.ToTable("payout_lines");
        b.Property(x => x.Kind).HasMaxLength(20);
        b.Property(x => x.OrderId).HasMaxLength(32);
        b.HasIndex(x => x.PayoutId);
    }
}

internal sealed class BillingRunConfiguration : IEntityTypeConfiguration<BillingRun>
{
    public void Configure(EntityTypeBuilder<BillingRun> b)
    {
        b.ToTable("billing_runs");
        b.HasKey(x => x.Period);
        b.Property(x => x.Period).HasMaxLength(7);
    }
}
