using Canopy.Accounts;
using Canopy.Catalog;
using Canopy.Ledger;
using Canopy.Notifications;
using Canopy.Ordering;
using Canopy.Payments;
using Microsoft.EntityFrameworkCore;
using Canopy.Outbox;

namespace Canopy.Data;

/// <summary>
/// The one model. Each database provider has its own subclass so that each keeps its own migrations
/// (EF refuses a migration set whose snapshot was made for another provider).
/// </summary>
public abstract class CanopyDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<Account> Accounts => Set<Account>();
    public DbSet<User> Users => Set<User>();
    public DbSet<Subaccount> Subaccounts => Set<Subaccount>();
    public DbSet<ApiToken> ApiTokens => Set<ApiToken>();
    public DbSet<SubaccountLogo> SubaccountLogos => Set<SubaccountLogo>();
    public DbSet<ProjectCategory> ProjectCategories => Set<ProjectCategory>();
    public DbSet<Project> Projects => Set<Project>();
    public DbSet<Portfolio> Portfolios => Set<Portfolio>();
    public DbSet<PortfolioAllocation> PortfolioAllocations => Set<PortfolioAllocation>();
    public DbSet<CreditBatch> CreditBatches => Set<CreditBatch>();
    public DbSet<LedgerAccount> LedgerAccounts => Set<LedgerAccount>();
    public DbSet<LedgerTransaction> LedgerTransactions => Set<LedgerTransaction>();
    public DbSet<LedgerEntry> LedgerEntries => Set<LedgerEntry>();
    public DbSet<Setting> Settings => Set<Setting>();
    public DbSet<Order> Orders => Set<Order>();
    public DbSet<OrderAllocation> OrderAllocations => Set<OrderAllocation>();
    public DbSet<AccountTotals> AccountTotals => Set<AccountTotals>();
    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();
    public DbSet<OutboxAttempt> OutboxAttempts => Set<OutboxAttempt>();
    public DbSet<FxRate> FxRates => Set<FxRate>();
    public DbSet<Retirement> Retirements => Set<Ordering.Retirement>();
    public DbSet<Fulfilment.WaitingAllocation> WaitingAllocations => Set<Fulfilment.WaitingAllocation>();
    public DbSet<Billing.Invoice> Invoices => Set<Billing.Invoice>();
    public DbSet<Billing.InvoiceLine> InvoiceLines => Set<Billing.InvoiceLine>();
    public DbSet<Billing.Payout> Payouts => Set<Billing.Payout>();
    public DbSet<Billing.PayoutLine> PayoutLines => Set<Billing.PayoutLine>();
    public DbSet<Billing.BillingRun> BillingRuns => Set<Billing.BillingRun>();
    public DbSet<Canopy.Idempotency.IdempotencyRecord> IdempotencyRecords => Set<Canopy.Idempotency.IdempotencyRecord>();

    /// <summary>Whether this is the PostgreSQL model (row locks, advisory locks, SKIP LOCKED are available).</summary>
    public abstract bool IsPostgres { get; }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(CanopyDbContext).Assembly);
        // At most one default portfolio, even when two operators change it at once (the filter is provider SQL).
        modelBuilder.Entity<Portfolio>().HasIndex(p => p.IsDefault).IsUnique()
            .HasFilter(IsPostgres ? "is_default" : "is_default = 1").HasDatabaseName("ux_portfolios_single_default");
    }

    /// <summary>Every timestamp is UTC; SQLite keeps no kind, so it is restored on read (PostgreSQL's timestamptz needs it on write).</summary>
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder) =>
        configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();

    private sealed class UtcDateTimeConverter() : Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Utc ? v : DateTime.SpecifyKind(v.ToUniversalTime(), DateTimeKind.Utc),
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
}

public sealed class SqliteCanopyDbContext(DbContextOptions<SqliteCanopyDbContext> options) : CanopyDbContext(options)
{
    public override bool IsPostgres => false;
}

public sealed class PostgresCanopyDbContext(DbContextOptions<PostgresCanopyDbContext> options) : CanopyDbContext(options)
{
    public override bool IsPostgres => true;
}

/// <summary>Installation-wide values, such as the hash of a generated admin key.</summary>
public sealed class Setting
{
    public required string Key { get; set; }
    public required string Value { get; set; }
}

internal sealed class SettingConfiguration : Microsoft.EntityFrameworkCore.IEntityTypeConfiguration<Setting>
{
    public void Configure(Microsoft.EntityFrameworkCore.Metadata.Builders.EntityTypeBuilder<Setting> b)
    {
        b.ToTable("settings");
        b.HasKey(x => x.Key);
        b.Property(x => x.Key).HasMaxLength(100);
        b.Property(x => x.Value).HasMaxLength(4000);
    }
}
