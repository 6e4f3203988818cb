using Canopy.Accounts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Canopy.Ordering;

public enum OrderKind { Offset = 0, Ride = 1, Donation = 2, Tree = 3 }

public enum OrderState { Placed = 0, Fulfilled = 1, Cancelled = 2 }

public enum PaymentMethod { Card = 0, Credits = 1, Invoice = 2 }

/// <summary>Which public dialect an order came through (for support and for the shape of its callbacks).</summary>
public enum Dialect { Wren = 0, Cnaught = 1 }

/// <summary>An order for carbon removal, a donation, or trees. Money in minor units, mass in grams.</summary>
public sealed class Order
{
    /// <summary>Internal key; its order is the keyset order of order lists (newest = highest).</summary>
    public long Id { get; set; }
    /// <summary>The id clients see (12 characters, CNaught style).</summary>
    public required string PublicId { get; set; }
    /// <summary>Human-friendly number, e.g. "47726-53238-46633-33562-7433".</summary>
    public required string OrderNumber { get; set; }
    public long AccountId { get; set; }
    public long? SubaccountId { get; set; }
    public long TokenId { get; set; }
    /// <summary>Sandbox orders (CNaught test keys) are stored but never charged and only listed for test keys.</summary>
    public TokenMode Mode { get; set; }
    public Dialect Dialect { get; set; }
    public OrderKind Kind { get; set; }
    public OrderState State { get; set; }
    public long? PortfolioId { get; set; }
    /// <summary>Set for single-project orders (Wren project orders, tree orders).</summary>
    public long? ProjectId { get; set; }
    /// <summary>CO₂e in grams (0 for donations and trees).</summary>
    public long Grams { get; set; }
    public int Trees { get; set; }
    /// <summary>Price in USD cents: what the projects are owed for this order.</summary>
    public long PriceUsdCents { get; set; }
    /// <summary>What the customer was charged, in <see cref="ChargeCurrency"/> minor units.</summary>
    public long AmountCharged { get; set; }
    public required string ChargeCurrency { get; set; }
    public PaymentMethod PaymentMethod { get; set; }
    /// <summary>Card charge id (ch_…) or credits transaction id (a UUID); Wren's order-group id.</summary>
    public string? PaymentReference { get; set; }
    public string? Note { get; set; }
    public string? Metadata { get; set; }
    public string? Description { get; set; }
    public string? OnBehalfOfName { get; set; }
    public string? OnBehalfOfEmail { get; set; }
    public string? CallbackUrl { get; set; }
    /// <summary>Ride distance in metres.</summary>
    public long? DistanceMeters { get; set; }
    public bool SendReceiptEmail { get; set; }
    /// <summary>Unguessable id of the public certificate (≥ 96 bits).</summary>
    public required string CertificateId { get; set; }
    /// <summary>The checkout session (its public id) this order was paid through, if any.</summary>
    public string? CheckoutSessionId { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? FulfilledAt { get; set; }
    public DateTime? CancelledAt { get; set; }
    public List<OrderAllocation> Allocations { get; set; } = [];
}

/// <summary>One project's share of an order. Wren lists these as its "offset orders".</summary>
public sealed class OrderAllocation
{
    public long Id { get; set; }
    public long OrderId { get; set; }
    /// <summary>Copied from the order so that per-account lists need no join.</summary>
    public long AccountId { get; set; }
    public TokenMode Mode { get; set; }
    public long ProjectId { get; set; }
    public long Grams { get; set; }
    public int Trees { get; set; }
    public long PriceUsdCents { get; set; }
    public bool Certified { get; set; }
    public bool Cancelled { get; set; }
    public DateTime CreatedAt { get; set; }
    /// <summary>Credits retired from inventory for this allocation (offset projects only; released ones included).</summary>
    public List<Retirement> Retirements { get; set; } = [];
}

/// <summary>
/// What one live order adds to its account's totals (<see cref="AccountTotals"/>): the one rule, used by both order
/// stores when the order is written and by the cancellation, which subtracts the same.
/// </summary>
public readonly record struct TotalsChange(long CertifiedGrams, long UncertifiedGrams, long Trees)
{
    public static TotalsChange Of(Order order)
    {
        long certified = 0, uncertified = 0;
        foreach (var a in order.Allocations)
        {
            if (a.Certified) certified += a.Grams;
            else uncertified += a.Grams;
        }
        return new TotalsChange(certified, uncertified, order.Trees);
    }
}

/// <summary>Per-account running totals, kept in the order's transaction, so ranks need no scan of all orders.</summary>
public sealed class AccountTotals
{
    public long AccountId { get; set; }
    public long CertifiedGrams { get; set; }
    public long UncertifiedGrams { get; set; }
    public long Trees { get; set; }
    public long Orders { get; set; }
}

internal sealed class OrderConfiguration : IEntityTypeConfiguration<Order>
{
    public void Configure(EntityTypeBuilder<Order> b)
    {
        b.ToTable("orders");
        b.Property(x => x.PublicId).HasMaxLength(32);
        b.Property(x => x.OrderNumber).HasMaxLength(40);
        b.Property(x => x.ChargeCurrency).HasMaxLength(3);
        b.Property(x => x.PaymentReference).HasMaxLength(255);
        b.Property(x => x.Note).HasMaxLength(1000);
        b.Property(x => x.Metadata).HasMaxLength(512);
        b.Property(x => x.Description).HasMaxLength(512);
        b.Property(x => x.OnBehalfOfName).HasMaxLength(200);
        b.Property(x => x.OnBehalfOfEmail).HasMaxLength(320);
        b.Property(x => x.CallbackUrl).HasMaxLength(2048);
        b.Property(x => x.CheckoutSessionId).HasMaxLength(255);
        b.Property(x => x.CertificateId).HasMaxLength(40);
        b.HasIndex(x => x.PublicId).IsUnique();
        b.HasIndex(x => x.CertificateId).IsUnique();
        // Keyset pages: WHERE account_id = @a AND mode = @m [AND id < @cursor] ORDER BY id DESC.
        b.HasIndex(x => new { x.AccountId, x.Mode, x.Id });
        b.HasIndex(x => new { x.AccountId, x.SubaccountId, x.Mode, x.Id });
        b.HasMany(x => x.Allocations).WithOne().HasForeignKey(x => x.OrderId);
        b.HasOne<Account>().WithMany().HasForeignKey(x => x.AccountId);
    }
}

internal sealed class OrderAllocationConfiguration : IEntityTypeConfiguration<OrderAllocation>
{
    public void Configure(EntityTypeBuilder<OrderAllocation> b)
    {
        b.ToTable("order_allocations");
        // Wren's order list reads every allocation of one account, certified then not, newest first.
        b.HasIndex(x => new { x.AccountId, x.Mode, x.Certified, x.Id });
        b.HasIndex(x => x.OrderId);
        b.HasOne<Catalog.Project>().WithMany().HasForeignKey(x => x.ProjectId);
    }
}

internal sealed class AccountTotalsConfiguration : IEntityTypeConfiguration<AccountTotals>
{
    public void Configure(EntityTypeBuilder<AccountTotals> b)
    {
        b.ToTable("account_totals");
        b.HasKey(x => x.AccountId);
        b.Property(x => x.AccountId).ValueGeneratedNever();
        b.HasIndex(x => x.CertifiedGrams);
    }
}
