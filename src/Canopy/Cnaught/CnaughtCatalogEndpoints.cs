using Canopy.Catalog;
using Canopy.Data;
using Microsoft.EntityFrameworkCore;
using Canopy.Kernel;
using Canopy.Platform;

namespace Canopy.Cnaught;

public sealed record CnaughtList<T>(IReadOnlyList<T> Data);

/// <summary>A project as SDK 3.x reads it: every field present, null or [] when unknown.</summary>
public record CnaughtProject(
    string Id, string Name, string Type, IReadOnlyList<string> ActivityTypes, string? Developer, string? RegistryName, string? RegistryId,
    string? RegistryUrl, string? Summary, string? Description, string? LocationName, double? LocationLatitude, double? LocationLongitude,
    string? PrimaryImageUrl, IReadOnlyList<int> UnSdgGoals, string? Methodology, string? Verifier, string? Permanence,
    CnaughtProjectLifetime? Lifetime, string? ImpactType, string? DueDiligence, string? BeyondCarbon, string? RiskOfReversal,
    IReadOnlyList<string> ThirdPartyLabels, IReadOnlyList<CnaughtNotableBuyer> NotableBuyers, CnaughtDueDiligenceFigure? DueDiligenceFigure,
    IReadOnlyList<CnaughtNewsArticle> NewsArticles);

/// <summary>GET /v1/projects/{id}: the project with the credits issued per vintage.</summary>
public sealed record CnaughtProjectWithCreditIssuances : CnaughtProject
{
    public CnaughtProjectWithCreditIssuances(CnaughtProject project, IReadOnlyList<CnaughtCreditIssuance> creditIssuances) : base(project) =>
        CreditIssuances = creditIssuances;

    public IReadOnlyList<CnaughtCreditIssuance> CreditIssuances { get; init; }
}

public sealed record CnaughtProjectLifetime(int? StartYear, int? EndYear);

public sealed record CnaughtNotableBuyer(string Name, string LogoUrl, string? LogoAltText);

public sealed record CnaughtDueDiligenceFigure(string Description, string ImageUrl, string? ImageAltText);

public sealed record CnaughtNewsArticle(string Title, string Url, string Author, string PublishedOn, string? CnaughtTake);

/// <summary>Credits issued for one vintage, in tonnes.</summary>
public sealed record CnaughtCreditIssuance(int VintageYear, decimal TotalAmount);

public sealed record CnaughtCategoryWithProjects(string Id, string Name, string? Description, string? PrimaryImageUrl, IReadOnlyList<CnaughtProject> Projects);

/// <summary>Prices per kg are in USD cents and may be fractional (e.g. 1.6); orders round up once to whole cents.</summary>
public sealed record CnaughtPortfolio(string Id, string Name, string? Summary, string? Description, string? PrimaryImageUrl,
    decimal CheckoutPricePerKgUsdCents, decimal ApiPricePerKgUsdCents);

public sealed record CnaughtCategoryAllocation(decimal AllocatedFraction, CnaughtCategoryWithProjects Category);

public sealed record CnaughtPortfolioWithAllocations(string Id, string Name, string? Summary, string? Description, string? PrimaryImageUrl,
    decimal CheckoutPricePerKgUsdCents, decimal ApiPricePerKgUsdCents, IReadOnlyList<CnaughtCategoryAllocation> CategoryAllocations);

internal static class CnaughtCatalogEndpoints
{
    public static RouteGroupBuilder MapCnaughtCatalog(this RouteGroupBuilder v1)
    {
        v1.MapGet("/portfolios", ListPortfoliosAsync).WithName("CnaughtListPortfolios").WithSummary("List portfolios")
            .Produces<CnaughtList<CnaughtPortfolio>>();
        v1.MapGet("/portfolios/{id}", GetPortfolioAsync).WithName("CnaughtGetPortfolio")
            .WithSummary("Get a portfolio with its project categories and price").Produces<CnaughtPortfolioWithAllocations>();
        v1.MapGet("/projects/{id}", GetProjectAsync).WithName("CnaughtGetProject")
            .WithSummary("Get a project with the credits issued per vintage").Produces<CnaughtProjectWithCreditIssuances>();
        v1.MapGet("/project-categories/{id}", GetCategoryAsync).WithName("CnaughtGetProjectCategory")
            .WithSummary("Get a project category with its projects").Produces<CnaughtCategoryWithProjects>();
        return v1;
    }

    private static async Task<IResult> ListPortfoliosAsync(CatalogCache catalog, CancellationToken ct)
    {
        var snapshot = await catalog.GetAsync(ct);
        var list = snapshot.Portfolios.Where(p => p.Active).Select(p =>
        {
            var price = PricePerKg(p);
            return new CnaughtPortfolio(p.PublicId, p.Name, p.Summary, p.Description, p.ImageUrl, price, price);
        }).ToList();
        return TypedResults.Json(new CnaughtList<CnaughtPortfolio>(list), Json.SnakeCase);
    }

    private static async Task<IResult> GetPortfolioAsync(string id, CatalogCache catalog, CancellationToken ct)
    {
        var snapshot = await catalog.GetAsync(ct);
        if (!snapshot.PortfoliosByPublicId.TryGetValue(id, out var p) || !p.Active)
            return CnaughtProblems.NotFound("Could not find portfolio");
        var price = PricePerKg(p);
        var allocations = p.Allocations
            .GroupBy(a => a.Project!.CategoryId ?? ProjectCategory.Uncategorised.Id)
            .Select(g =>
            {
                var category = snapshot.Categories.GetValueOrDefault(g.Key) ?? ProjectCategory.Uncategorised;
                var projects = g.Select(a => ToCnaught(a.Project!)).ToList();
                return new CnaughtCategoryAllocation(g.Sum(a => a.PartsPerMillion) / 1_000_000m,
                    new CnaughtCategoryWithProjects(category.Id, category.Name, category.Description, category.ImageUrl, projects));
            }).ToList();
        return TypedResults.Json(new CnaughtPortfolioWithAllocations(p.PublicId, p.Name, p.Summary, p.Description, p.ImageUrl, price, price, allocations), Json.SnakeCase);
    }

    private static async Task<IResult> GetProjectAsync(string id, CatalogCache catalog, [FromKeyedServices(Reads.MayLag)] CanopyDbContext db, CancellationToken ct)
    {
        var snapshot = await catalog.GetAsync(ct);
        if (!snapshot.ProjectsByPublicId.TryGetValue(id, out var p)) return CnaughtProblems.NotFound("Could not find project");
        // Issued, not available: what the registry issued for each vintage of the operator's inventory.
        var issued = await db.CreditBatches.AsNoTracking().Where(b => b.ProjectId == p.Id)
            .GroupBy(b => b.Vintage).Select(g => new { Vintage = g.Key, Grams = g.Sum(b => b.GramsIssued) }).ToListAsync(ct);
        var issuances = issued.OrderBy(i => i.Vintage)
            .Select(i => new CnaughtCreditIssuance(i.Vintage, Decimals.Trim(i.Grams / (decimal)Pricing.GramsPerTonne))).ToList();
        return TypedResults.Json(new CnaughtProjectWithCreditIssuances(ToCnaught(p), issuances), Json.SnakeCase);
    }

    private static async Task<IResult> GetCategoryAsync(string id, CatalogCache catalog, CancellationToken ct)
    {
        var snapshot = await catalog.GetAsync(ct);
        var c = snapshot.Categories.GetValueOrDefault(id) ?? (id == ProjectCategory.Uncategorised.Id ? ProjectCategory.Uncategorised : null);
        if (c is null) return CnaughtProblems.NotFound("Could not find project category");
        var categoryId = c == ProjectCategory.Uncategorised ? null : c.Id;
        var projects = snapshot.Projects.Values.Where(p => p.CategoryId == categoryId && p.Active).OrderBy(p => p.Id).Select(ToCnaught).ToList();
        return TypedResults.Json(new CnaughtCategoryWithProjects(c.Id, c.Name, c.Description, c.ImageUrl, projects), Json.SnakeCase);
    }

    internal static CnaughtProject ToCnaught(Project p) => new(
        p.PublicId, p.Name, p.Type ?? p.Kind.ToString(), p.ActivityTypes, p.Developer, p.RegistryName, p.RegistryId, p.RegistryUrl, p.Summary,
        p.Description, p.LocationName, p.LocationLatitude, p.LocationLongitude, p.ImageUrl, p.SdgGoalList(), p.Methodology, p.Verifier,
        p.Permanence, p.LifetimeStartYear is null && p.LifetimeEndYear is null ? null : new CnaughtProjectLifetime(p.LifetimeStartYear, p.LifetimeEndYear),
        p.ImpactType, p.DueDiligence, p.BeyondCarbon, p.RiskOfReversal, p.ThirdPartyLabels,
        [.. p.NotableBuyers.Select(b => new CnaughtNotableBuyer(b.Name, b.LogoUrl, b.LogoAltText))],
        p.DueDiligenceFigure is { } f ? new CnaughtDueDiligenceFigure(f.Description, f.ImageUrl, f.ImageAltText) : null,
        [.. p.NewsArticles.Select(a => new CnaughtNewsArticle(a.Title, a.Url, a.Author, Json.Timestamp(a.PublishedOn), a.Take))]);

    /// <summary>Blended USD cents per kg, exact (cents per tonne / 1000), without trailing zeros.</summary>
    private static decimal PricePerKg(Portfolio p) =>
        Decimals.Trim(Pricing.BlendedCentsPerTonne(CatalogSnapshot.SharesOf(p)) / 1000m);
}
