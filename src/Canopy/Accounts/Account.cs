using Canopy.Kernel;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Canopy.Accounts;

/// <summary>How an account pays for its orders.</summary>
public enum BillingMode
{
    /// <summary>Nothing set up yet: orders are refused (CNaught: 403 "Billing not set up").</summary>
    None = 0,
    /// <summary>A card on file, charged per order (Stripe, or the simulated processor).</summary>
    Card = 1,
    /// <summary>Prepaid USD credits only.</summary>
    Credits = 2,
    /// <summary>Orders accrue on a monthly invoice.</summary>
    Invoice = 3,
}

/// <summary>A customer organisation: Wren's "team", CNaught's "account".</summary>
public sealed class Account
{
    public long Id { get; set; }
    public required string Name { get; set; }
    /// <summary>Where receipts and invoices go.</summary>
    public string? Email { get; set; }
    /// <summary>ISO 4217 code the account is charged in; credits are always USD.</summary>
    public string Currency { get; set; } = Usd.Code;
    /// <summary>Portfolio used when an order names none; null means the catalogue's default portfolio.</summary>
    public long? DefaultPortfolioId { get; set; }
    public BillingMode Billing { get; set; }
    public string? StripeCustomerId { get; set; }
    /// <summary>Payment method on file for card billing (a Stripe or simulated payment-method id).</summary>
    public string? CardPaymentMethod { get; set; }
    /// <summary>Slug of the public impact page, unique when set.</summary>
    public string? ImpactSlug { get; set; }
    /// <summary>Whether the hosted impact page (<c>/impact/{slug}</c>, and one per subaccount) is served.</summary>
    public bool HostedImpactPageEnabled { get; set; }
    /// <summary>The everyday equivalents the hosted impact page shows.</summary>
    public ImpactEquivalents HostedImpactPageEquivalents { get; set; } = ImpactEquivalents.All;
    /// <summary>Whether the account's live orders may appear on the public feed.</summary>
    public bool PublicFeedOptIn { get; set; }
    /// <summary>CO₂e per km of the account's rides (CNaught ride orders and quotes); null means the configured default.</summary>
    public long? RideGramsPerKm { get; set; }
    /// <summary>Secret that signs this account's callbacks (HMAC-SHA256).</summary>
    public required string WebhookSecret { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>A person in an account; owns legacy personal tokens.</summary>
public sealed class User
{
    public long Id { get; set; }
    public long AccountId { get; set; }
    public required string Email { get; set; }
    public string? Name { get; set; }
    /// <summary>A user without a login (password, Google, Shopify) cannot use personal tokens.</summary>
    public bool HasLogin { get; set; }
    public DateTime CreatedAt { get; set; }
}

/// <summary>A part of an account (CNaught), chosen per request with <c>X-Subaccount-Id</c>.</summary>
public sealed class Subaccount
{
    /// <summary>Internal key; also the keyset order for lists.</summary>
    public long Id { get; set; }
    /// <summary>The 8-character id clients see.</summary>
    public required string PublicId { get; set; }
    public long AccountId { get; set; }
    /// <summary>Subaccounts made with a test key belong to the sandbox: only test keys see or change them.</summary>
    public TokenMode Mode { get; set; }
    public required string Name { get; set; }
    public string? Email { get; set; }
    public long? DefaultPortfolioId { get; set; }
    public string? LogoUrl { get; set; }
    public DateTime CreatedAt { get; set; }
}

public enum TokenMode { Live = 0, Test = 1 }

public enum TokenKind { Team = 0, Personal = 1 }

/// <summary>An API token. Only the SHA-256 hash of the secret is stored; the secret is shown once.</summary>
public sealed class ApiToken
{
    public long Id { get; set; }
    public long AccountId { get; set; }
    /// <summary>Owner of a personal token; null for team tokens.</summary>
    public long? UserId { get; set; }
    public TokenKind Kind { get; set; }
    public TokenMode Mode { get; set; }
    public string? Name { get; set; }
    /// <summary>Lower-case hex SHA-256 of the secret.</summary>
    public required string Hash { get; set; }
    /// <summary>First characters of the secret, for display.</summary>
    public required string Prefix { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? LastUsedAt { get; set; }
    public DateTime? RevokedAt { get; set; }
}

internal sealed class AccountConfiguration : IEntityTypeConfiguration<Account>
{
    public void Configure(EntityTypeBuilder<Account> b)
    {
        b.ToTable("accounts");
        b.Property(x => x.Name).HasMaxLength(200);
        b.Property(x => x.Email).HasMaxLength(320);
        b.Property(x => x.Currency).HasMaxLength(3);
        b.Property(x => x.StripeCustomerId).HasMaxLength(255);
        b.Property(x => x.CardPaymentMethod).HasMaxLength(255);
        b.Property(x => x.ImpactSlug).HasMaxLength(100);
        b.Property(x => x.WebhookSecret).HasMaxLength(100);
        b.HasIndex(x => x.ImpactSlug).IsUnique();
    }
}

internal sealed class UserConfiguration : IEntityTypeConfiguration<User>
{
    public void Configure(EntityTypeBuilder<User> b)
    {
        b.ToTable("users");
        b.Property(x => x.Email).HasMaxLength(320);
        b.Property(x => x.Name).HasMaxLength(200);
        b.HasIndex(x => new { x.AccountId, x.Email }).IsUnique();
        b.HasOne<Account>().WithMany().HasForeignKey(x => x.AccountId);
    }
}

internal sealed class SubaccountConfiguration : IEntityTypeConfiguration<Subaccount>
{
    public void Configure(EntityTypeBuilder<Subaccount> b)
    {
        b.ToTable("subaccounts");
        b.Property(x => x.PublicId).HasMaxLength(16);
        b.Property(x => x.Name).HasMaxLength(512);
        b.Property(x => x.Email).HasMaxLength(320);
        b.Property(x => x.LogoUrl).HasMaxLength(2048);
        b.HasIndex(x => x.PublicId).IsUnique();
        b.HasIndex(x => new { x.AccountId, x.Mode, x.Id });
        b.HasOne<Account>().WithMany().HasForeignKey(x => x.AccountId);
    }
}

internal sealed class ApiTokenConfiguration : IEntityTypeConfiguration<ApiToken>
{
    public void Configure(EntityTypeBuilder<ApiToken> b)
    {
        b.ToTable("api_tokens");
        b.Property(x => x.Name).HasMaxLength(200);
        b.Property(x => x.Hash).HasMaxLength(64);
        b.Property(x => x.Prefix).HasMaxLength(20);
        b.HasIndex(x => x.Hash).IsUnique();
        b.HasIndex(x => x.AccountId);
        b.HasOne<Account>().WithMany().HasForeignKey(x => x.AccountId);
        b.HasOne<User>().WithMany().HasForeignKey(x => x.UserId);
    }
}
