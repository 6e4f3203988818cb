using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Canopy.Outbox;

/// <summary>
/// Work that must follow a commit (fulfilment, callbacks, receipt emails), written in the same transaction as
/// the change that causes it. Workers take rows by lease; delivery is at least once.
/// </summary>
public sealed class OutboxMessage
{
    public long Id { get; set; }
    public long? AccountId { get; set; }
    /// <summary>What to do: "order.fulfil", "order.callback", "email.receipt".</summary>
    public required string Topic { get; set; }
    /// <summary>The subject, e.g. the order's public id.</summary>
    public required string Subject { get; set; }
    /// <summary>JSON payload.</summary>
    public required string Payload { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime AvailableAt { get; set; }
    public int Attempts { get; set; }
    public DateTime? LeasedUntil { get; set; }
    /// <summary>Who holds the lease: a worker finishing a message it no longer holds changes nothing.</summary>
    public string? LeaseToken { get; set; }
    public DateTime? CompletedAt { get; set; }
    /// <summary>Set when delivery kept failing for the whole retry window: an operator must look.</summary>
    public DateTime? GaveUpAt { get; set; }
    public string? LastError { get; set; }
    /// <summary>When an operator last asked for a retry; the 24 h retry window restarts then.</summary>
    public DateTime? RetriedAt { get; set; }
}

/// <summary>One try at delivering an outbox message: the log DESIGN §5 asks for.</summary>
public sealed class OutboxAttempt
{
    public long Id { get; set; }
    public long MessageId { get; set; }
    public DateTime AttemptedAt { get; set; }
    public bool Succeeded { get; set; }
    public string? Error { get; set; }
    /// <summary>The receiver's HTTP status, for deliveries over HTTP (callbacks).</summary>
    public int? StatusCode { get; set; }
    public long? LatencyMs { get; set; }
}

public static class OutboxTopics
{
    public const string FulfilOrder = "order.fulfil";
    public const string OrderCallback = "order.callback";
    public const string ReceiptEmail = "email.receipt";
    public const string CardRefund = "payment.refund";
    /// <summary>Inventory arrived or came back: serve the waiting orders of the projects in the payload.</summary>
    public const string ServeWaiting = "inventory.serve";
}

internal sealed class OutboxMessageConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> b)
    {
        b.ToTable("outbox_messages");
        b.Property(x => x.Topic).HasMaxLength(50);
        b.Property(x => x.Subject).HasMaxLength(100);
        b.Property(x => x.LastError).HasMaxLength(2000);
        b.Property(x => x.LeaseToken).HasMaxLength(40);
        // Workers poll: pending rows in availability order.
        b.HasIndex(x => new { x.CompletedAt, x.AvailableAt });
        // Undone messages of a topic in id order (claims; fulfilment's look at older undone orders): only the few undone
        // rows are indexed, so the scan never walks the completed history.
        b.HasIndex(x => new { x.Topic, x.Id }).HasFilter("completed_at IS NULL").HasDatabaseName("ix_outbox_messages_undone_topic_id");
    }
}

internal sealed class OutboxAttemptConfiguration : IEntityTypeConfiguration<OutboxAttempt>
{
    public void Configure(EntityTypeBuilder<OutboxAttempt> b)
    {
        b.ToTable("outbox_attempts");
        b.Property(x => x.Error).HasMaxLength(2000);
        b.HasIndex(x => x.MessageId);
        b.HasOne<OutboxMessage>().WithMany().HasForeignKey(x => x.MessageId);
    }
}
