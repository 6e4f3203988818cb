using Canopy.Accounts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Canopy.Checkout;

public enum CheckoutState { Open = 0, Complete = 1, Expired = 2 }

/// <summary>
/// A hosted checkout page (a Stripe Checkout Session) through which a customer of an account pays for a fixed amount
/// of carbon removal. When Stripe reports it paid, the order is placed once (<see cref="OrderPublicId"/>).
/// </summary>
public sealed class CheckoutSession
{
    public long Id { get; set; }
    /// <summary>The id clients see; the Stripe Checkout Session's id (cs_…).</summary>
    public required string PublicId { get; set; }
    public long AccountId { get; set; }
    public long? SubaccountId { get; set; }
    public TokenMode Mode { get; set; }
    public long TokenId { get; set; }
    public long PortfolioId { get; set; }
    public long Grams { get; set; }
    public long PriceUsdCents { get; set; }
    public required string SuccessUrl { get; set; }
    public required string CancelUrl { get; set; }
    public required string CheckoutUrl { get; set; }
    public string? Email { get; set; }
    public string? OrderDescription { get; set; }
    public string? OrderWebhookUrl { get; set; }
    public CheckoutState State { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime ExpiresAt { get; set; }
    public DateTime? CompletedAt { get; set; }
    /// <summary>The order placed when the session was paid; unique, so it is placed once.</summary>
    public string? OrderPublicId { get; set; }
    /// <summary>The Stripe PaymentIntent that paid the session.</summary>
    public string? ProcessorIntentId { get; set; }
}

internal sealed class CheckoutSessionConfiguration : IEntityTypeConfiguration<CheckoutSession>
{
    public void Configure(EntityTypeBuilder<CheckoutSession> b)
    {
        b.ToTable("checkout_sessions");
        b.Property(x => x.PublicId).HasMaxLength(255);
        b.Property(x => x.SuccessUrl).HasMaxLength(2048);
        b.Property(x => x.CancelUrl).HasMaxLength(2048);
        b.Property(x => x.CheckoutUrl).HasMaxLength(2048);
        b.Property(x => x.Email).HasMaxLength(320);
        b.Property(x => x.OrderDescription).HasMaxLength(512);
        b.Property(x => x.OrderWebhookUrl).HasMaxLength(2048);
        b.Property(x => x.OrderPublicId).HasMaxLength(32);
        b.Property(x => x.ProcessorIntentId).HasMaxLength(255);
        b.HasIndex(x => x.PublicId).IsUnique();
        b.HasIndex(x => x.OrderPublicId).IsUnique();
        b.HasIndex(x => new { x.AccountId, x.Mode, x.Id });
        b.HasOne<Account>().WithMany().HasForeignKey(x => x.AccountId);
    }
}
