using Canopy.Accounts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Canopy.Idempotency;

/// <summary>
/// A claimed <c>Idempotency-Key</c>: who claimed it, for which request (fingerprint), and once finished the
/// response to replay. Records live 24 hours.
/// </summary>
public sealed class IdempotencyRecord
{
    public long Id { get; set; }
    public long AccountId { get; set; }
    public TokenMode Mode { get; set; }
    public required string Key { get; set; }
    /// <summary>SHA-256 of method, path, subaccount and body: a different payload under the same key is refused.</summary>
    public required string Fingerprint { get; set; }
    public bool Completed { get; set; }
    public int? ResponseStatus { get; set; }
    public string? ResponseContentType { get; set; }
    public byte[]? ResponseBody { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime ExpiresAt { get; set; }
}

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> b)
    {
        b.ToTable("idempotency_records");
        b.Property(x => x.Key).HasMaxLength(512);
        b.Property(x => x.Fingerprint).HasMaxLength(64);
        b.Property(x => x.ResponseContentType).HasMaxLength(100);
        b.HasIndex(x => new { x.AccountId, x.Mode, x.Key }).IsUnique();
        b.HasIndex(x => x.ExpiresAt);
    }
}
