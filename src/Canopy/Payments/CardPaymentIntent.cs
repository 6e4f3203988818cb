using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Canopy.Payments;

/// <summary>Where an intent to charge a card stands.</summary>
public enum IntentStatus
{
    /// <summary>Written; the processor has been (or is being) asked. A crash here leaves it for the reconciler.</summary>
    Pending = 0,
    /// <summary>The processor charged the card; the order's transaction may not have committed yet.</summary>
    Succeeded = 1,
    /// <summary>No money moved: declined, or the card needs its holder to authenticate.</summary>
    Failed = 2,
    /// <summary>The processor did not answer (timeout, 5xx): it may or may not have charged. The reconciler asks it.</summary>
    Unknown = 3,
    /// <summary>Charged, and its order exists: settled.</summary>
    Completed = 4,
    /// <summary>Charged without an order, then refunded in full.</summary>
    Refunded = 5,
}

/// <summary>
/// The record of an intent to charge a card, written in its own commit before the processor is called ("no charge
/// without a record"). The order's public id travels in the processor's metadata, and <see cref="ProcessorKey"/> (the
/// processor's idempotency key) is derived from the order, so asking again never charges twice.
/// </summary>
public sealed class CardPaymentIntent
{
    public long Id { get; set; }
    public long AccountId { get; set; }
    /// <summary>The public id the order has (or will have) once its transaction commits.</summary>
    public required string OrderPublicId { get; set; }
    /// <summary>The client's <c>Idempotency-Key</c>, when it sent one: a retry with it reuses this intent (and its order id).</summary>
    public string? ClientKey { get; set; }
    /// <summary>The idempotency key sent to the processor: <c>order:{order id}</c>.</summary>
    public required string ProcessorKey { get; set; }
    public long AmountMinor { get; set; }
    public required string Currency { get; set; }
    public string? CustomerId { get; set; }
    public required string PaymentMethodId { get; set; }
    public IntentStatus Status { get; set; }
    /// <summary>The processor's PaymentIntent id (pi_…) once known.</summary>
    public string? ProcessorIntentId { get; set; }
    /// <summary>The charge id (ch_…) of a successful charge: the order's payment reference.</summary>
    public string? ChargeId { get; set; }
    /// <summary>The processor's decline or error code (card_declined, authentication_required, …).</summary>
    public string? FailureCode { get; set; }
    public string? FailureMessage { get; set; }
    /// <summary>Set when the processor reports a dispute (chargeback) on the charge.</summary>
    public string? DisputeId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}

internal sealed class CardPaymentIntentConfiguration : IEntityTypeConfiguration<CardPaymentIntent>
{
    public void Configure(EntityTypeBuilder<CardPaymentIntent> b)
    {
        b.ToTable("payment_intents");
        b.Property(x => x.OrderPublicId).HasMaxLength(32);
        b.Property(x => x.ClientKey).HasMaxLength(512);
        b.Property(x => x.ProcessorKey).HasMaxLength(100);
        b.Property(x => x.Currency).HasMaxLength(3);
        b.Property(x => x.CustomerId).HasMaxLength(255);
        b.Property(x => x.PaymentMethodId).HasMaxLength(255);
        b.Property(x => x.ProcessorIntentId).HasMaxLength(255);
        b.Property(x => x.ChargeId).HasMaxLength(255);
        b.Property(x => x.FailureCode).HasMaxLength(100);
        b.Property(x => x.FailureMessage).HasMaxLength(1000);
        b.Property(x => x.DisputeId).HasMaxLength(255);
        b.HasIndex(x => x.OrderPublicId).IsUnique();
        // One intent per client idempotency key: a concurrent duplicate cannot start a second charge.
        b.HasIndex(x => new { x.AccountId, x.ClientKey }).IsUnique();
        b.HasIndex(x => x.ProcessorIntentId);
        b.HasIndex(x => x.ChargeId);
        // The reconciler's scan: unsettled intents, oldest first.
        b.HasIndex(x => new { x.Status, x.CreatedAt });
    }
}
