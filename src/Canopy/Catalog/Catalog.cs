using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Canopy.Catalog;

/// <summary>What a project sells.</summary>
public enum ProjectKind
{
    /// <summary>Carbon removal or avoidance, priced per tonne; offsettable.</summary>
    Offset = 0,
    /// <summary>Policy, conservation and the like: funded by donation, not offsettable.</summary>
    Donation = 1,
    /// <summary>Tree planting, priced per tree.</summary>
    Tree = 2,
}

public sealed class ProjectCategory
{
    /// <summary>Where projects without a category are grouped (portfolio allocations, impact data).</summary>
    public static readonly ProjectCategory Uncategorised = new() { Id = "uncategorized", Name = "Other projects" };

    /// <summary>Public string id (CNaught style), operator-chosen or generated.</summary>
    public required string Id { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    public string? ImageUrl { get; set; }
    public DateTime CreatedAt { get; set; }
}

public sealed class Project
{
    /// <summary>Integer id, as Wren shows it.</summary>
    public long Id { get; set; }
    /// <summary>String id, as CNaught shows it (e.g. "I0UbDH"); the operator may choose it.</summary>
    public required string PublicId { get; set; }
    public required string Name { get; set; }
    /// <summary>Free text shown as the project's type, e.g. "Biochar".</summary>
    public string? Type { get; set; }
    public ProjectKind Kind { get; set; }
    /// <summary>Price of one tonne in USD cents (offset and donation projects).</summary>
    public long? CostPerTonUsdCents { get; set; }
    /// <summary>Price of one tree in USD cents (tree projects).</summary>
    public long? CostPerTreeUsdCents { get; set; }
    public bool Certified { get; set; }
    /// <summary>Certification text shown to customers, e.g. "Verra VCS".</summary>
    public string? CertificationStatus { get; set; }
    public string? CategoryId { get; set; }
    public string? Developer { get; set; }
    public string? RegistryName { get; set; }
    public string? RegistryId { get; set; }
    public string? RegistryUrl { get; set; }
    public string? Summary { get; set; }
    public string? Description { get; set; }
    public string? LocationName { get; set; }
    public double? LocationLatitude { get; set; }
    public double? LocationLongitude { get; set; }
    /// <summary>UN sustainable development goals, comma-separated integers 1–17.</summary>
    public string UnSdgGoals { get; set; } = "";
    public string? ImageUrl { get; set; }
    public bool Active { get; set; } = true;
    public DateTime CreatedAt { get; set; }

    // The project's profile, as buyers compare projects (what CNaught's SDK 3.x shows); null or empty when unknown.
    /// <summary>Activities the project carries out, e.g. "Reforestation".</summary>
    public List<string> ActivityTypes { get; set; } = [];
    /// <summary>Whether credits are removals or avoided emissions, e.g. "Removal".</summary>
    public string? ImpactType { get; set; }
    public string? Methodology { get; set; }
    public string? Verifier { get; set; }
    /// <summary>How long the carbon stays out of the atmosphere, as text ("100+ years").</summary>
    public string? Permanence { get; set; }
    public int? LifetimeStartYear { get; set; }
    public int? LifetimeEndYear { get; set; }
    public string? DueDiligence { get; set; }
    public string? BeyondCarbon { get; set; }
    public string? RiskOfReversal { get; set; }
    public List<string> ThirdPartyLabels { get; set; } = [];
    public List<ProjectNotableBuyer> NotableBuyers { get; set; } = [];
    public ProjectFigure? DueDiligenceFigure { get; set; }
    public List<ProjectNewsArticle> NewsArticles { get; set; } = [];

    public IReadOnlyList<int> SdgGoalList() =>
        UnSdgGoals.Length == 0 ? [] : [.. UnSdgGoals.Split(',').Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture))];
}

public sealed class Portfolio
{
    /// <summary>Integer id, as Wren shows it.</summary>
    public long Id { get; set; }
    /// <summary>String id, as CNaught shows it.</summary>
    public required string PublicId { get; set; }
    public required string Name { get; set; }
    public string? Summary { get; set; }
    public string? Description { get; set; }
    public string? ImageUrl { get; set; }
    /// <summary>The portfolio used when neither order nor account names one (Wren's "Climate Fund"). At most one.</summary>
    public bool IsDefault { get; set; }
    public bool Active { get; set; } = true;
    public DateTime CreatedAt { get; set; }
    public List<PortfolioAllocation> Allocations { get; set; } = [];
}

/// <summary>A project's share of a portfolio, in parts per million; a portfolio's shares sum to exactly 1 000 000.</summary>
public sealed class PortfolioAllocation
{
    public long PortfolioId { get; set; }
    public long ProjectId { get; set; }
    public int PartsPerMillion { get; set; }
    /// <summary>Display and split order within the portfolio.</summary>
    public int Position { get; set; }
    public Project? Project { get; set; }
}

/// <summary>Inventory: credits issued for a project's vintage, retired into orders oldest vintage first.</summary>
public sealed class CreditBatch
{
    public long Id { get; set; }
    public long ProjectId { get; set; }
    public int Vintage { get; set; }
    public string? RegistryName { get; set; }
    public string? SerialPrefix { get; set; }
    /// <summary>The registry's page for this batch; retirements from it link there.</summary>
    public string? RegistryUrl { get; set; }
    public long GramsIssued { get; set; }
    /// <summary>Grams not yet retired; never negative.</summary>
    public long GramsAvailable { get; set; }
    /// <summary>Gram offsets below this have been handed out at least once; serials above it are fresh.</summary>
    public long SerialCursor { get; set; }
    public DateTime CreatedAt { get; set; }
}

internal sealed class ProjectCategoryConfiguration : IEntityTypeConfiguration<ProjectCategory>
{
    public void Configure(EntityTypeBuilder<ProjectCategory> b)
    {
        b.ToTable("project_categories");
        b.Property(x => x.Id).HasMaxLength(64);
        b.Property(x => x.Name).HasMaxLength(200);
        b.Property(x => x.ImageUrl).HasMaxLength(2048);
    }
}

internal sealed class ProjectConfiguration : IEntityTypeConfiguration<Project>
{
    public void Configure(EntityTypeBuilder<Project> b)
    {
        b.ToTable("projects");
        b.Property(x => x.PublicId).HasMaxLength(64);
        b.Property(x => x.Name).HasMaxLength(200);
        b.Property(x => x.Type).HasMaxLength(100);
        b.Property(x => x.CertificationStatus).HasMaxLength(200);
        b.Property(x => x.CategoryId).HasMaxLength(64);
        b.Property(x => x.Developer).HasMaxLength(200);
        b.Property(x => x.RegistryName).HasMaxLength(200);
        b.Property(x => x.RegistryId).HasMaxLength(200);
        b.Property(x => x.RegistryUrl).HasMaxLength(2048);
        b.Property(x => x.LocationName).HasMaxLength(200);
        b.Property(x => x.UnSdgGoals).HasMaxLength(100);
        b.Property(x => x.ImageUrl).HasMaxLength(2048);
        b.Property(x => x.ImpactType).HasMaxLength(100);
        b.Property(x => x.Methodology).HasMaxLength(200);
        b.Property(x => x.Verifier).HasMaxLength(200);
        b.Property(x => x.Permanence).HasMaxLength(200);
        b.Property(x => x.ActivityTypes).HasConversion(JsonColumn.Converter<List<string>>(), JsonColumn.Comparer<List<string>>());
        b.Property(x => x.ThirdPartyLabels).HasConversion(JsonColumn.Converter<List<string>>(), JsonColumn.Comparer<List<string>>());
        b.Property(x => x.NotableBuyers).HasConversion(JsonColumn.Converter<List<ProjectNotableBuyer>>(), JsonColumn.Comparer<List<ProjectNotableBuyer>>());
        b.Property(x => x.DueDiligenceFigure).HasConversion(JsonColumn.Converter<ProjectFigure?>(), JsonColumn.Comparer<ProjectFigure?>());
        b.Property(x => x.NewsArticles).HasConversion(JsonColumn.Converter<List<ProjectNewsArticle>>(), JsonColumn.Comparer<List<ProjectNewsArticle>>());
        b.HasIndex(x => x.PublicId).IsUnique();
        b.HasOne<ProjectCategory>().WithMany().HasForeignKey(x => x.CategoryId);
    }
}

internal sealed class PortfolioConfiguration : IEntityTypeConfiguration<Portfolio>
{
    public void Configure(EntityTypeBuilder<Portfolio> b)
    {
        b.ToTable("portfolios");
        b.Property(x => x.PublicId).HasMaxLength(64);
        b.Property(x => x.Name).HasMaxLength(200);
        b.Property(x => x.Summary).HasMaxLength(1000);
        b.Property(x => x.ImageUrl).HasMaxLength(2048);
        b.HasIndex(x => x.PublicId).IsUnique();
        b.HasMany(x => x.Allocations).WithOne().HasForeignKey(x => x.PortfolioId);
    }
}

internal sealed class PortfolioAllocationConfiguration : IEntityTypeConfiguration<PortfolioAllocation>
{
    public void Configure(EntityTypeBuilder<PortfolioAllocation> b)
    {
        b.ToTable("portfolio_allocations");
        b.HasKey(x => new { x.PortfolioId, x.ProjectId });
        b.HasOne(x => x.Project).WithMany().HasForeignKey(x => x.ProjectId);
    }
}

internal sealed class CreditBatchConfiguration : IEntityTypeConfiguration<CreditBatch>
{
    public void Configure(EntityTypeBuilder<CreditBatch> b)
    {
        b.ToTable("credit_batches", t => t.HasCheckConstraint("ck_credit_batches_available", "grams_available >= 0 AND grams_available <= grams_issued"));
        b.Property(x => x.RegistryName).HasMaxLength(200);
        b.Property(x => x.SerialPrefix).HasMaxLength(200);
        b.Property(x => x.RegistryUrl).HasMaxLength(2048);
        b.HasIndex(x => new { x.ProjectId, x.Vintage });
        b.HasOne<Project>().WithMany().HasForeignKey(x => x.ProjectId);
    }
}
