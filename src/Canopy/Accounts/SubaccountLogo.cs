using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Canopy.Accounts;

/// <summary>An uploaded subaccount logo, served publicly at <c>/logos/{Id}</c>; a new upload gets a new id (stable, cacheable URLs).</summary>
public sealed class SubaccountLogo
{
    /// <summary>Random, unguessable id used in the URL.</summary>
    public required string Id { get; set; }
    public long AccountId { get; set; }
    public long SubaccountId { get; set; }
    public required string ContentType { get; set; }
    public required byte[] Bytes { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class SubaccountLogoConfiguration : IEntityTypeConfiguration<SubaccountLogo>
{
    public void Configure(EntityTypeBuilder<SubaccountLogo> b)
    {
        b.ToTable("subaccount_logos");
        b.Property(x => x.Id).HasMaxLength(32);
        b.Property(x => x.ContentType).HasMaxLength(50);
        b.HasIndex(x => x.SubaccountId);
        b.HasOne<Subaccount>().WithMany().HasForeignKey(x => x.SubaccountId).OnDelete(DeleteBehavior.Cascade);
    }
}
