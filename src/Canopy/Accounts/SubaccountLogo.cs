using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Canopy.Accounts;

/// <summary>
/// An uploaded subaccount logo: the downscaled copy (<see cref="LogoImages"/>) served publicly at <c>/logos/{Id}</c>,
/// the original as uploaded at <c>/logos/{Id}/original</c>; a new upload gets a new id (stable, cacheable URLs).
/// </summary>
public sealed class SubaccountLogo
{
    /// <summary>Random, unguessable id used in the URL.</summary>
    public required string Id { get; set; }
    public long AccountId { get; set; }
    public long SubaccountId { get; set; }
    /// <summary>The original's type, image/png or image/jpeg.</summary>
    public required string ContentType { get; set; }
    /// <summary>The original, as uploaded.</summary>
    public required byte[] Bytes { get; set; }
    /// <summary>The copy pages link to (PNG, at most 1 024 px on the long side); null for logos uploaded before copies existed, made at their first request.</summary>
    public byte[]? ServedBytes { get; set; }
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
