using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Canopy.Fulfilment;

/// <summary>
/// The queue of orders waiting for inventory, keyed by project (DESIGN §5): one row per offset allocation that inventory
/// could not (fully) cover, with the grams it still needs. Rows are read only when inventory arrives for their project
/// (a new batch, or grams a cancellation gave back), oldest order first, so a waiting order costs nothing while it waits.
/// While a project has rows here, a newly placed order joins the back of the line instead of taking grams.
/// </summary>
public sealed class WaitingAllocation
{
    /// <summary>The allocation waiting (one row per allocation).</summary>
    public long AllocationId { get; set; }
    public long ProjectId { get; set; }
    /// <summary>The order's id: the line's order (order of arrival).</summary>
    public long OrderId { get; set; }
    public long AccountId { get; set; }
    /// <summary>Grams still to retire for the allocation (&gt; 0).</summary>
    public long GramsWaiting { get; set; }
    public DateTime QueuedAt { get; set; }
}

internal sealed class WaitingAllocationConfiguration : IEntityTypeConfiguration<WaitingAllocation>
{
    public void Configure(EntityTypeBuilder<WaitingAllocation> b)
    {
        b.ToTable("fulfilment_queue", t => t.HasCheckConstraint("ck_fulfilment_queue_grams", "grams_waiting > 0"));
        b.HasKey(x => x.AllocationId);
        b.Property(x => x.AllocationId).ValueGeneratedNever();
        // The line of one project, in order of arrival; and an order's own places in lines.
        b.HasIndex(x => new { x.ProjectId, x.OrderId, x.AllocationId });
        b.HasIndex(x => x.OrderId);
        b.HasOne<Ordering.OrderAllocation>().WithOne().HasForeignKey<WaitingAllocation>(x => x.AllocationId);
    }
}
