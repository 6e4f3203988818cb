using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Canopy.Payments;

/// <summary>
/// A Stripe webhook event that has been applied. The primary key is Stripe's event id, inserted in the same
/// transaction as the event's effects, so a replayed event is applied at most once.
/// </summary>
public sealed class StripeEvent
{
    /// <summary>The longest event id stored (Stripe's are about 30 characters).</summary>
    public const int MaxIdLength = 255;

    public required string Id { get; set; }
    public required string Type { get; set; }
    public DateTime ReceivedAt { get; set; }
    /// <summary>Null while the event is being applied; a row left unprocessed by a crash is taken over after a while.</summary>
    public DateTime? ProcessedAt { get; set; }
}

internal sealed class StripeEventConfiguration : IEntityTypeConfiguration<StripeEvent>
{
    public void Configure(EntityTypeBuilder<StripeEvent> b)
    {
        b.ToTable("stripe_events");
        b.HasKey(x => x.Id);
        b.Property(x => x.Id).HasMaxLength(StripeEvent.MaxIdLength);
        b.Property(x => x.Type).HasMaxLength(100);
    }
}
