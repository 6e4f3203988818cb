using Canopy.Catalog;
using Canopy.Ordering;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Canopy.Ordering;

/// <summary>
/// Grams of one credit batch retired for one order allocation. Serial numbers are gram offsets within the batch:
/// [<see cref="SerialStart"/>, <see cref="SerialEnd"/>), shown 1-based and inclusive after the batch's serial prefix.
/// A cancelled order's retirements are released (never deleted): their grams go back to the batch for later orders.
/// </summary>
public sealed class Retirement
{
    public long Id { get; set; }
    public long AllocationId { get; set; }
    /// <summary>Copied from the allocation so that an order's retirements need no join.</summary>
    public long OrderId { get; set; }
    public long AccountId { get; set; }
    public long ProjectId { get; set; }
    public long BatchId { get; set; }
    public int Vintage { get; set; }
    public long Grams { get; set; }
    /// <summary>First gram offset in the batch (0-based, inclusive).</summary>
    public long SerialStart { get; set; }
    /// <summary>End gram offset in the batch (exclusive); <c>SerialEnd - SerialStart == Grams</c>.</summary>
    public long SerialEnd { get; set; }
    /// <summary>What CNaught shows as <c>serial_number_range</c>, e.g. "VCS-1234-2019-1-250000".</summary>
    public required string SerialNumberRange { get; set; }
    /// <summary>The registry's page for the batch, when the batch has one.</summary>
    public string? RegistryUrl { get; set; }
    public DateTime RetiredAt { get; set; }
    /// <summary>Set when the order was cancelled and the grams went back to the batch.</summary>
    public DateTime? ReleasedAt { get; set; }

    public static string RangeText(string? serialPrefix, long batchId, long start, long end) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{serialPrefix ?? $"CANOPY-B{batchId}"}-{start + 1}-{end}");
}

internal sealed class RetirementConfiguration : IEntityTypeConfiguration<Retirement>
{
    public void Configure(EntityTypeBuilder<Retirement> b)
    {
        b.ToTable("retirements", t => t.HasCheckConstraint("ck_retirements_range", "grams > 0 AND serial_end - serial_start = grams"));
        b.Property(x => x.SerialNumberRange).HasMaxLength(300);
        b.Property(x => x.RegistryUrl).HasMaxLength(2048);
        b.HasIndex(x => x.AllocationId);
        b.HasIndex(x => x.OrderId);
        b.HasIndex(x => new { x.BatchId, x.SerialStart });
        b.HasOne<OrderAllocation>().WithMany(a => a.Retirements).HasForeignKey(x => x.AllocationId);
        b.HasOne<CreditBatch>().WithMany().HasForeignKey(x => x.BatchId);
    }
}
