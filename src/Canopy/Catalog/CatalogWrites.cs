using System.Globalization;
using System.Security.Cryptography;
using Canopy.Data;
using Canopy.Ledger;
using Canopy.Platform;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Catalog;

/// <summary>A new project category; a null id is chosen.</summary>
public sealed record NewCategory(string? Id, string Name, string? Description, string? ImageUrl);

/// <summary>A project's years of activity.</summary>
public sealed record ProjectLifetime(int? StartYear, int? EndYear);

/// <summary>A project's fields: on a create or a change, those given (not null) are set; lists replace the old list whole.</summary>
public sealed record ProjectFields
{
    public string? Name { get; init; }
    public long? CostPerTonUsdCents { get; init; }
    public long? CostPerTreeUsdCents { get; init; }
    public bool? Certified { get; init; }
    public string? CertificationStatus { get; init; }
    public string? CategoryId { get; init; }
    public string? Type { get; init; }
    public string? Developer { get; init; }
    public string? RegistryName { get; init; }
    public string? RegistryId { get; init; }
    public string? RegistryUrl { get; init; }
    public string? Summary { get; init; }
    public string? Description { get; init; }
    public string? LocationName { get; init; }
    public double? LocationLatitude { get; init; }
    public double? LocationLongitude { get; init; }
    public IReadOnlyList<int>? UnSdgGoals { get; init; }
    public string? ImageUrl { get; init; }
    public bool? Active { get; init; }
    public IReadOnlyList<string>? ActivityTypes { get; init; }
    public string? ImpactType { get; init; }
    public string? Methodology { get; init; }
    public string? Verifier { get; init; }
    public string? Permanence { get; init; }
    public ProjectLifetime? Lifetime { get; init; }
    public string? DueDiligence { get; init; }
    public string? BeyondCarbon { get; init; }
    public string? RiskOfReversal { get; init; }
    public IReadOnlyList<string>? ThirdPartyLabels { get; init; }
    public IReadOnlyList<ProjectNotableBuyer>? NotableBuyers { get; init; }
    public ProjectFigure? DueDiligenceFigure { get; init; }
    public IReadOnlyList<ProjectNewsArticle>? NewsArticles { get; init; }
}

/// <summary>A new project; a null id is chosen. Its kind never changes afterwards.</summary>
public sealed record NewProject(string? Id, ProjectKind Kind, ProjectFields Fields);

/// <summary>One project's share of a portfolio, a fraction with at most 6 decimal places.</summary>
public sealed record PortfolioShare(string ProjectId, decimal Fraction);

/// <summary>A new portfolio; a null id is chosen. Its allocations never change afterwards.</summary>
public sealed record NewPortfolio(string? Id, string Name, string? Summary, string? Description, string? ImageUrl,
    IReadOnlyList<PortfolioShare> Allocations, bool IsDefault);

/// <summary>A change to a portfolio: fields given (not null) are set.</summary>
public sealed record PortfolioChanges(string? Name, string? Summary, string? Description, string? ImageUrl, bool? IsDefault, bool? Active);

/// <summary>A portfolio written, with the projects its allocations name (by internal id).</summary>
public sealed record PortfolioWritten(Portfolio Portfolio, IReadOnlyDictionary<long, Project> Projects);

/// <summary>
/// The catalogue's writes (categories, projects with their profile, portfolios) and their rules; each write refreshes the
/// catalogue snapshot orders price from. Every surface that changes the catalogue comes through here.
/// </summary>
public sealed class CatalogWrites(CanopyDbContext db, CatalogCache catalog, LedgerAccounts ledgerAccounts, TimeProvider time)
{
    public async Task<WriteResult<ProjectCategory>> CreateCategoryAsync(NewCategory c, CancellationToken ct)
    {
        if (c.Id is not null && !CatalogRules.IsId(c.Id)) return new WriteFailure.Invalid("id", CatalogRules.IdMessage.Replace("{PropertyName}", "id", StringComparison.Ordinal));
        var id = c.Id ?? await NewIdAsync(id => db.ProjectCategories.AnyAsync(x => x.Id == id, ct));
        if (c.Id is not null && await db.ProjectCategories.AnyAsync(x => x.Id == id, ct))
            return new WriteFailure.Conflict($"A project category '{id}' already exists.");
        var category = new ProjectCategory { Id = id, Name = c.Name.Trim(), Description = c.Description, ImageUrl = c.ImageUrl, CreatedAt = time.GetUtcNow().UtcDateTime };
        db.ProjectCategories.Add(category);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation(db, "pk_project_categories"))
        {
            // The id is the key: a concurrent request created it between the check and the insert.
            return new WriteFailure.Conflict($"A project category '{id}' already exists.");
        }
        catalog.Invalidate();
        return category;
    }

    public async Task<WriteResult<Project>> CreateProjectAsync(NewProject p, CancellationToken ct)
    {
        if (p.Id is not null && !CatalogRules.IsId(p.Id)) return new WriteFailure.Invalid("id", CatalogRules.IdMessage.Replace("{PropertyName}", "id", StringComparison.Ordinal));
        if (CatalogRules.PriceErrors(p.Kind, p.Fields.CostPerTonUsdCents, p.Fields.CostPerTreeUsdCents) is { Count: > 0 } priceErrors)
            return new WriteFailure.Invalid(priceErrors);
        var f = p.Fields;
        if (string.IsNullOrWhiteSpace(f.Name)) return new WriteFailure.Invalid("name", "'name' must not be empty.");
        if (f.CategoryId is not null && !await db.ProjectCategories.AnyAsync(c => c.Id == f.CategoryId, ct))
            return new WriteFailure.Invalid("category_id", $"There is no project category '{f.CategoryId}'.");
        if (p.Id is not null && await db.Projects.AnyAsync(x => x.PublicId == p.Id, ct))
            return new WriteFailure.Conflict($"A project '{p.Id}' already exists.");
        var project = new Project
        {
            PublicId = p.Id ?? await NewIdAsync(id => db.Projects.AnyAsync(x => x.PublicId == id, ct)),
            Name = f.Name.Trim(),
            Kind = p.Kind,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        Apply(project, f);
        db.Projects.Add(project);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (p.Id is not null && e.IsUniqueViolation(db, "ix_projects_public_id"))
        {
            return new WriteFailure.Conflict($"A project '{p.Id}' already exists.");
        }
        await ledgerAccounts.EnsureAsync(LedgerAccountKind.ProjectPayable, Chart.Currency, project.Id, ct);
        catalog.Invalidate();
        return project;
    }

    public async Task<WriteResult<Project>> UpdateProjectAsync(string id, ProjectFields f, CancellationToken ct)
    {
        var p = await db.Projects.FirstOrDefaultAsync(x => x.PublicId == id, ct);
        if (p is null) return new WriteFailure.NotFound("project");
        if (f.CostPerTonUsdCents is not null && p.Kind == ProjectKind.Tree)
            return new WriteFailure.Invalid("cost_per_ton_usd_cents", "A tree project is priced per tree.");
        if (f.CostPerTreeUsdCents is not null && p.Kind != ProjectKind.Tree)
            return new WriteFailure.Invalid("cost_per_tree_usd_cents", CatalogRules.OnlyTreesPerTree);
        if (f.CategoryId is not null && !await db.ProjectCategories.AnyAsync(c => c.Id == f.CategoryId, ct))
            return new WriteFailure.Invalid("category_id", $"There is no project category '{f.CategoryId}'.");
        Apply(p, f);
        await db.SaveChangesAsync(ct);
        catalog.Invalidate();
        return p;
    }

    public async Task<WriteResult<PortfolioWritten>> CreatePortfolioAsync(NewPortfolio r, CancellationToken ct)
    {
        if (r.Id is not null && !CatalogRules.IsId(r.Id)) return new WriteFailure.Invalid("id", CatalogRules.IdMessage.Replace("{PropertyName}", "id", StringComparison.Ordinal));
        var ids = r.Allocations.Select(a => a.ProjectId).ToList();
        if (ids.Count == 0) return new WriteFailure.Invalid("allocations", "'allocations' must not be empty.");
        if (!CatalogRules.HasDistinctProjects(ids)) return new WriteFailure.Invalid("allocations", CatalogRules.DistinctProjects);
        if (!CatalogRules.SumsToOne(r.Allocations.Select(a => (decimal?)a.Fraction)))
            return new WriteFailure.Invalid("allocations", CatalogRules.SumMessage(r.Allocations.Select(a => (decimal?)a.Fraction)));

        var projects = await db.Projects.Where(p => ids.Contains(p.PublicId)).ToDictionaryAsync(p => p.PublicId, StringComparer.Ordinal, ct);
        var errors = new FieldErrors();
        for (var i = 0; i < ids.Count; i++)
        {
            if (!projects.TryGetValue(ids[i], out var project))
                errors.Add($"allocations[{i}].project_id", $"There is no project '{ids[i]}'.");
            else if (project.Kind == ProjectKind.Tree)
                errors.Add($"allocations[{i}].project_id", $"'{ids[i]}' is a tree project, priced per tree: it cannot be part of a portfolio priced per tonne.");
        }
        if (errors.Count > 0) return new WriteFailure.Invalid(errors);
        if (r.Id is not null && await db.Portfolios.AnyAsync(p => p.PublicId == r.Id, ct))
            return new WriteFailure.Conflict($"A portfolio '{r.Id}' already exists.");

        var portfolio = new Portfolio
        {
            PublicId = r.Id ?? await NewIdAsync(id => db.Portfolios.AnyAsync(p => p.PublicId == id, ct)),
            Name = r.Name.Trim(),
            Summary = r.Summary,
            Description = r.Description,
            ImageUrl = r.ImageUrl,
            IsDefault = r.IsDefault,
            CreatedAt = time.GetUtcNow().UtcDateTime,
            Allocations = [.. r.Allocations.Select((a, i) => new PortfolioAllocation
            {
                ProjectId = projects[a.ProjectId].Id,
                PartsPerMillion = (int)(a.Fraction * 1_000_000m),
                Position = i,
            })],
        };
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (portfolio.IsDefault)
            await db.Portfolios.Where(p => p.IsDefault).ExecuteUpdateAsync(s => s.SetProperty(p => p.IsDefault, false), ct);
        db.Portfolios.Add(portfolio);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation(db, "ix_portfolios_public_id") || e.IsUniqueViolation(db, "ux_portfolios_single_default"))
        {
            await tx.RollbackAsync(CancellationToken.None);
            return new WriteFailure.Conflict(r.Id is not null && await db.Portfolios.AnyAsync(p => p.PublicId == r.Id, CancellationToken.None)
                ? $"A portfolio '{r.Id}' already exists."
                : "Another change to the default portfolio was made at the same time; retry.");
        }
        await tx.CommitAsync(ct);
        catalog.Invalidate();
        return new PortfolioWritten(portfolio, projects.Values.ToDictionary(p => p.Id));
    }

    public async Task<WriteResult<PortfolioWritten>> UpdatePortfolioAsync(string id, PortfolioChanges r, CancellationToken ct)
    {
        var portfolio = await db.Portfolios.Include(p => p.Allocations).FirstOrDefaultAsync(p => p.PublicId == id, ct);
        if (portfolio is null) return new WriteFailure.NotFound("portfolio");
        if (r.IsDefault == true && r.Active == false || r.IsDefault == true && !portfolio.Active && r.Active != true)
            return new WriteFailure.Invalid("is_default", "The default portfolio must be active.");
        // Retiring the default would leave orders that name no portfolio with nothing to buy.
        if (portfolio.IsDefault && r.Active == false && r.IsDefault != false)
            return new WriteFailure.Invalid("active", "The default portfolio cannot be retired: make another portfolio the default first, or send \"is_default\": false.");
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        if (r.IsDefault == true)
            await db.Portfolios.Where(p => p.IsDefault && p.Id != portfolio.Id).ExecuteUpdateAsync(s => s.SetProperty(p => p.IsDefault, false), ct);
        if (r.Name is not null) portfolio.Name = r.Name.Trim();
        portfolio.Summary = r.Summary ?? portfolio.Summary;
        portfolio.Description = r.Description ?? portfolio.Description;
        portfolio.ImageUrl = r.ImageUrl ?? portfolio.ImageUrl;
        portfolio.IsDefault = r.IsDefault ?? portfolio.IsDefault;
        portfolio.Active = r.Active ?? portfolio.Active;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation(db, "ux_portfolios_single_default"))
        {
            await tx.RollbackAsync(CancellationToken.None);
            return new WriteFailure.Conflict("Another change to the default portfolio was made at the same time; retry.");
        }
        await tx.CommitAsync(ct);
        catalog.Invalidate();
        var projects = await db.Projects.AsNoTracking().ToDictionaryAsync(p => p.Id, ct);
        return new PortfolioWritten(portfolio, projects);
    }

    /// <summary>Sets the fields given; a create starts from a new project's defaults (certified false, active true).</summary>
    private static void Apply(Project p, ProjectFields r)
    {
        if (r.Name is not null) p.Name = r.Name.Trim();
        p.CostPerTonUsdCents = r.CostPerTonUsdCents ?? p.CostPerTonUsdCents;
        p.CostPerTreeUsdCents = r.CostPerTreeUsdCents ?? p.CostPerTreeUsdCents;
        p.Certified = r.Certified ?? p.Certified;
        p.CertificationStatus = r.CertificationStatus ?? p.CertificationStatus;
        p.CategoryId = r.CategoryId ?? p.CategoryId;
        p.Type = r.Type ?? p.Type;
        p.Developer = r.Developer ?? p.Developer;
        p.RegistryName = r.RegistryName ?? p.RegistryName;
        p.RegistryId = r.RegistryId ?? p.RegistryId;
        p.RegistryUrl = r.RegistryUrl ?? p.RegistryUrl;
        p.Summary = r.Summary ?? p.Summary;
        p.Description = r.Description ?? p.Description;
        p.LocationName = r.LocationName ?? p.LocationName;
        p.LocationLatitude = r.LocationLatitude ?? p.LocationLatitude;
        p.LocationLongitude = r.LocationLongitude ?? p.LocationLongitude;
        if (r.UnSdgGoals is not null)
            p.UnSdgGoals = string.Join(',', r.UnSdgGoals.Distinct().Order().Select(g => g.ToString(CultureInfo.InvariantCulture)));
        p.ImageUrl = r.ImageUrl ?? p.ImageUrl;
        p.Active = r.Active ?? p.Active;
        if (r.ActivityTypes is not null) p.ActivityTypes = [.. r.ActivityTypes.Select(a => a.Trim())];
        p.ImpactType = r.ImpactType ?? p.ImpactType;
        p.Methodology = r.Methodology ?? p.Methodology;
        p.Verifier = r.Verifier ?? p.Verifier;
        p.Permanence = r.Permanence ?? p.Permanence;
        if (r.Lifetime is not null) (p.LifetimeStartYear, p.LifetimeEndYear) = (r.Lifetime.StartYear, r.Lifetime.EndYear);
        p.DueDiligence = r.DueDiligence ?? p.DueDiligence;
        p.BeyondCarbon = r.BeyondCarbon ?? p.BeyondCarbon;
        p.RiskOfReversal = r.RiskOfReversal ?? p.RiskOfReversal;
        if (r.ThirdPartyLabels is not null) p.ThirdPartyLabels = [.. r.ThirdPartyLabels.Select(a => a.Trim())];
        if (r.NotableBuyers is not null) p.NotableBuyers = [.. r.NotableBuyers.Select(b => b with { Name = b.Name.Trim() })];
        if (r.DueDiligenceFigure is { } f) p.DueDiligenceFigure = f;
        if (r.NewsArticles is not null)
            p.NewsArticles = [.. r.NewsArticles.Select(a => a with { Title = a.Title.Trim(), Author = a.Author.Trim(), PublishedOn = a.PublishedOn.ToUniversalTime() })];
    }

    /// <summary>A fresh 6-character public id, like CNaught's ("I0UbDH").</summary>
    private static async Task<string> NewIdAsync(Func<string, Task<bool>> taken)
    {
        while (true)
        {
            var id = RandomNumberGenerator.GetString("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", 6);
            if (!await taken(id)) return id;
        }
    }
}
