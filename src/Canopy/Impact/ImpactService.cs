using Canopy.Accounts;
using Canopy.Catalog;
using Canopy.Data;
using Canopy.Ordering;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Impact;

/// <summary>
/// Everyday equivalents of a mass of CO₂e: how many of each thing emits that much. Defaults follow the US EPA
/// Greenhouse Gas Equivalencies Calculator (docs/emission-factors.md); the operator can override them under
/// <c>Canopy:Impact:Equivalents</c>.
/// </summary>
public sealed class EquivalenceFactors
{
    /// <summary>A typical passenger car for a year: about 4.6 t CO₂.</summary>
    public long KgPerCarYear { get; set; } = 4_600;
    /// <summary>An urban tree seedling grown for ten years stores about 0.060 t CO₂.</summary>
    public long KgPerTreeSeedling { get; set; } = 60;
    /// <summary>A US home's energy use for a year: about 7.5 t CO₂.</summary>
    public long KgPerHomeYear { get; set; } = 7_500;
    /// <summary>One economy passenger, Los Angeles to New York (about 3 980 km at the flight factor).</summary>
    public long KgPerFlightLaxToNyc { get; set; } = 600;
}

public sealed record ProjectImpact(Project Project, long Grams, IReadOnlyList<int> Vintages);

public sealed record CategoryImpact(ProjectCategory Category, long Grams, IReadOnlyList<ProjectImpact> Projects);

/// <summary>Money given to one donation project (USD cents, the allocations' prices).</summary>
public sealed record DonationImpact(Project Project, long UsdCents);

/// <summary>
/// <see cref="Grams"/> and the categories count offset grams only (retired, or to be retired, from inventory);
/// donations hold no credits and are only ever money, in <see cref="Donations"/>.
/// </summary>
public sealed record ImpactSummary(long Grams, IReadOnlyList<CategoryImpact> Categories, DateTime? FirstOrderAt, IReadOnlyList<DonationImpact> Donations)
{
    public long DonationUsdCents => Donations.Sum(d => d.UsdCents);
}

/// <summary>Grams offset in one calendar month (UTC); donations are not grams and are left out.</summary>
public sealed record MonthlyImpact(int Year, int Month, long Grams);

/// <summary>
/// What an account (or one subaccount) has offset: live orders, not cancelled, by category and project. Sums over every
/// order of an account, so they read from a standby when there are read replicas (a new order shows a moment later).
/// </summary>
public sealed class ImpactService([FromKeyedServices(Reads.MayLag)] CanopyDbContext db, CatalogCache catalog)
{
    public async Task<ImpactSummary> SummariseAsync(long accountId, TokenMode mode, long? subaccountId, DateTime? from, DateTime? to, CancellationToken ct)
    {
        var query = from a in db.OrderAllocations.AsNoTracking()
                    join o in db.Orders on a.OrderId equals o.Id
                    where a.AccountId == accountId && a.Mode == mode && !a.Cancelled && (a.Grams > 0 || a.PriceUsdCents > 0)
                    select new { a.ProjectId, a.Grams, a.PriceUsdCents, o.SubaccountId, o.CreatedAt };
        if (subaccountId is { } sid) query = query.Where(x => x.SubaccountId == sid);
        if (from is { } f) query = query.Where(x => x.CreatedAt >= f);
        if (to is { } t) query = query.Where(x => x.CreatedAt < t);

        var rows = await query.GroupBy(x => x.ProjectId)
            .Select(g => new { ProjectId = g.Key, Grams = g.Sum(x => x.Grams), Cents = g.Sum(x => x.PriceUsdCents), First = g.Min(x => x.CreatedAt) })
            .ToListAsync(ct);
        var snapshot = await catalog.GetAsync(ct);
        bool IsDonation(long projectId) => snapshot.Projects.GetValueOrDefault(projectId)?.Kind == ProjectKind.Donation;
        // A donation's grams only measured how much was bought; what it is, is money given.
        var perProject = rows.Where(r => !IsDonation(r.ProjectId) && r.Grams > 0).ToList();
        var donations = rows.Where(r => IsDonation(r.ProjectId) && r.Cents > 0)
            .Select(r => new DonationImpact(snapshot.Projects[r.ProjectId], r.Cents)).OrderByDescending(d => d.UsdCents).ToList();
        var counted = rows.Where(r => IsDonation(r.ProjectId) ? r.Cents > 0 : r.Grams > 0).ToList();
        // The vintages of the credits retired for those orders (live retirements: a cancel releases them).
        var retired = from r in db.Retirements.AsNoTracking()
                      join o in db.Orders on r.OrderId equals o.Id
                      where r.AccountId == accountId && o.Mode == mode && r.ReleasedAt == null
                      select new { r.ProjectId, r.Vintage, o.SubaccountId, o.CreatedAt };
        if (subaccountId is { } rs) retired = retired.Where(x => x.SubaccountId == rs);
        if (from is { } rf) retired = retired.Where(x => x.CreatedAt >= rf);
        if (to is { } rt) retired = retired.Where(x => x.CreatedAt < rt);
        var vintages = (await retired.Select(x => new { x.ProjectId, x.Vintage }).Distinct().ToListAsync(ct))
            .GroupBy(x => x.ProjectId)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<int>)[.. g.Select(x => x.Vintage).Order()]);

        var categories = perProject
            .Where(p => snapshot.Projects.ContainsKey(p.ProjectId))
            .GroupBy(p => snapshot.Projects[p.ProjectId].CategoryId ?? ProjectCategory.Uncategorised.Id)
            .Select(g => new CategoryImpact(
                snapshot.Categories.GetValueOrDefault(g.Key) ?? ProjectCategory.Uncategorised,
                g.Sum(p => p.Grams),
                [.. g.OrderByDescending(p => p.Grams).Select(p => new ProjectImpact(snapshot.Projects[p.ProjectId], p.Grams, vintages.GetValueOrDefault(p.ProjectId) ?? []))]))
            .OrderByDescending(c => c.Grams)
            .ToList();
        return new ImpactSummary(perProject.Sum(p => p.Grams), categories, counted.Count == 0 ? null : counted.Min(p => p.First), donations);
    }

    /// <summary>The same offsets per calendar month, oldest first; months without orders are left out.</summary>
    public async Task<IReadOnlyList<MonthlyImpact>> MonthlyAsync(long accountId, TokenMode mode, long? subaccountId, CancellationToken ct)
    {
        var query = from a in db.OrderAllocations.AsNoTracking()
                    join o in db.Orders on a.OrderId equals o.Id
                    join p in db.Projects on a.ProjectId equals p.Id
                    where a.AccountId == accountId && a.Mode == mode && !a.Cancelled && a.Grams > 0 && p.Kind != ProjectKind.Donation
                    select new { a.Grams, o.SubaccountId, o.CreatedAt };
        if (subaccountId is { } sid) query = query.Where(x => x.SubaccountId == sid);
        var rows = await query.GroupBy(x => new { x.CreatedAt.Year, x.CreatedAt.Month })
            .Select(g => new MonthlyImpact(g.Key.Year, g.Key.Month, g.Sum(x => x.Grams)))
            .ToListAsync(ct);
        return [.. rows.OrderBy(r => r.Year).ThenBy(r => r.Month)];
    }
}
