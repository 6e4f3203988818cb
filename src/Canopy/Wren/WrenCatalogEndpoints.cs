using Canopy.Catalog;
using Canopy.Kernel;
using Canopy.Platform;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Canopy.Wren;

public sealed record WrenPortfolioList(IReadOnlyList<WrenPortfolio> Portfolios);

/// <summary>A portfolio as Wren's public API shows it; <c>cost_per_ton</c> is USD per tonne.</summary>
public sealed record WrenPortfolio(long Id, string Name, string? Description, decimal CostPerTon, string? ImageUrl, IReadOnlyList<WrenPortfolioProject> Projects);

/// <summary>
/// A project within a Wren portfolio. Offset and donation projects carry <c>cost_per_ton</c>, tree projects
/// <c>cost_per_tree</c> (USD); the other is omitted, as Wren does. <c>percentage</c> is a fraction; a portfolio's sum to 1.
/// </summary>
public sealed record WrenPortfolioProject(
    long Id,
    string Name,
    string? Type,
    string? Description,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] decimal? CostPerTon,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)] decimal? CostPerTree,
    decimal Percentage,
    string? ImageUrl,
    string CertificationStatus,
    bool Certified,
    string? Developer,
    string? Location,
    string? RegistryUrl);

internal static class WrenCatalogEndpoints
{
    public static RouteGroupBuilder MapWrenCatalog(this RouteGroupBuilder wren)
    {
        wren.MapGet("/portfolios", ListPortfoliosAsync).WithName("WrenListPortfolios")
            .WithSummary("List portfolios and their project allocations (no authentication needed)");
        return wren;
    }

    private static async Task<Ok<WrenPortfolioList>> ListPortfoliosAsync(CatalogCache catalog, CancellationToken ct)
    {
        var snapshot = await catalog.GetAsync(ct);
        var portfolios = snapshot.Portfolios.Where(p => p.Active).Select(ToWren).ToList();
        return TypedResults.Ok(new WrenPortfolioList(portfolios));
    }

    internal static WrenPortfolio ToWren(Portfolio p)
    {
        var cents = Pricing.BlendedCentsPerTonne(CatalogSnapshot.SharesOf(p));
        return new WrenPortfolio(p.Id, p.Name, p.Description ?? p.Summary, Dollars(cents), p.ImageUrl,
            [.. p.Allocations.Select(a => ToWren(a.Project!, a.PartsPerMillion / 1_000_000m))]);
    }

    private static WrenPortfolioProject ToWren(Project p, decimal fraction) => new(
        p.Id, p.Name, p.Type, p.Description ?? p.Summary,
        p.CostPerTonUsdCents is { } perTon ? Dollars(perTon) : null,
        p.CostPerTreeUsdCents is { } perTree ? Dollars(perTree) : null,
        fraction, p.ImageUrl,
        p.CertificationStatus ?? (p.Certified ? "Certified" : "Not certified"),
        p.Certified, p.Developer, p.LocationName, p.RegistryUrl);

    /// <summary>USD from cents, to the cent (display only: orders are priced in exact cents).</summary>
    private static decimal Dollars(decimal cents) => decimal.Round(cents / 100m, 2, MidpointRounding.AwayFromZero);
}
