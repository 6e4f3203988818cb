using System.Text.RegularExpressions;
using Canopy.Accounts;
using Canopy.Catalog;
using Canopy.Data;
using Canopy.Impact;
using Canopy.Ordering;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Pages;

/// <summary>What the public pages read. Each returns null for anything that is not to be shown (the page answers 404).</summary>
internal static partial class PageQueries
{
    /// <summary>How many months the "over time" chart shows at most.</summary>
    public const int ChartMonths = 24;

    public static async Task<CertificateView?> CertificateAsync(CanopyDbContext db, CatalogCache catalog, string certificateId, CancellationToken ct)
    {
        if (!CertificateIdShape().IsMatch(certificateId)) return null;
        var order = await db.Orders.AsNoTracking().Include(o => o.Allocations).ThenInclude(a => a.Retirements).AsSplitQuery()
            .FirstOrDefaultAsync(o => o.CertificateId == certificateId, ct);
        if (order is null) return null;
        var accountName = await db.Accounts.Where(a => a.Id == order.AccountId).Select(a => a.Name).FirstAsync(ct);
        var subaccountName = order.SubaccountId is { } sid
            ? await db.Subaccounts.Where(s => s.Id == sid).Select(s => s.Name).FirstOrDefaultAsync(ct)
            : null;
        var customer = subaccountName ?? accountName;
        var purchaser = string.IsNullOrWhiteSpace(order.OnBehalfOfName) ? customer : order.OnBehalfOfName.Trim();

        // Retired credits as they stand: a cancelled order's were released back to inventory and are not shown.
        var retirements = order.Allocations.SelectMany(a => a.Retirements).Where(r => r.ReleasedAt == null).ToList();
        var batchIds = retirements.Select(r => r.BatchId).Distinct().ToList();
        var batches = await db.CreditBatches.AsNoTracking().Where(b => batchIds.Contains(b.Id))
            .ToDictionaryAsync(b => b.Id, b => new { b.RegistryName, b.SerialPrefix }, ct);

        var snapshot = await catalog.GetAsync(ct);
        bool IsDonation(OrderAllocation a) => order.Kind == OrderKind.Donation || snapshot.Projects.GetValueOrDefault(a.ProjectId)?.Kind == ProjectKind.Donation;
        var allocations = order.Allocations.Where(a => a.Grams > 0 || a.Trees > 0 || a.PriceUsdCents > 0).OrderBy(a => a.Id).ToList();
        // Offsets are counted in grams, donations in money: a donation's grams are never CO₂e.
        var offsetGrams = allocations.Where(a => !IsDonation(a)).Sum(a => a.Grams);
        var donationCents = allocations.Where(IsDonation).Sum(a => a.PriceUsdCents);
        var lines = allocations.Select(a =>
        {
            var p = snapshot.Projects.GetValueOrDefault(a.ProjectId);
            var donation = IsDonation(a);
            var share = order.Kind switch
            {
                OrderKind.Tree => Format.Percent(a.Trees, order.Trees),
                _ when donation => Format.Percent(a.PriceUsdCents, donationCents),
                _ => Format.Percent(a.Grams, offsetGrams),
            };
            var retired = a.Retirements.Where(r => r.ReleasedAt == null).OrderBy(r => r.Vintage).ThenBy(r => r.SerialStart).ThenBy(r => r.Id)
                .Select(r =>
                {
                    var batch = batches.GetValueOrDefault(r.BatchId);
                    return new CertificateRetirement(r.Vintage, batch?.RegistryName ?? p?.RegistryName,
                        CertificateRetirement.RegistryRange(batch?.SerialPrefix, r.BatchId, r.SerialStart, r.SerialEnd), r.RegistryUrl, r.Grams);
                })
                .ToList();
            return new CertificateLine(p?.Name ?? "Unknown project", p?.Type, p?.Certified == true ? p.CertificationStatus : null,
                p?.RegistryName, p?.LocationName, donation ? 0 : a.Grams, a.Trees, share, retired, donation, a.PriceUsdCents);
        }).ToList();

        return new CertificateView(order.CertificateId, order.OrderNumber, purchaser, purchaser == customer ? null : customer,
            order.CreatedAt, order.FulfilledAt, order.CancelledAt, order.State, order.Kind, offsetGrams, order.Trees, order.Description,
            order.Mode == TokenMode.Test, lines, donationCents);
    }

    public static async Task<ImpactPageView?> ImpactAsync(CanopyDbContext db, ImpactService impact, CatalogCache catalog, EquivalenceFactors factors,
        TimeProvider time, string slug, string? subaccountId, CancellationToken ct)
    {
        if (!SlugShape().IsMatch(slug) || (subaccountId is not null && !SubaccountIdShape().IsMatch(subaccountId))) return null;
        var account = await db.Accounts.AsNoTracking().Where(a => a.ImpactSlug == slug)
            .Select(a => new { a.Id, a.Name, a.HostedImpactPageEnabled, a.HostedImpactPageEquivalents }).FirstOrDefaultAsync(ct);
        if (account is null || !account.HostedImpactPageEnabled) return null;
        Subaccount? sub = null;
        if (subaccountId is not null)
        {
            sub = await db.Subaccounts.AsNoTracking().FirstOrDefaultAsync(s => s.PublicId == subaccountId && s.AccountId == account.Id, ct);
            if (sub is null) return null;
        }
        // An account's page shows its live orders; a sandbox subaccount's page shows its sandbox orders, labelled so.
        var mode = sub?.Mode ?? TokenMode.Live;
        var summary = await impact.SummariseAsync(account.Id, mode, sub?.Id, null, null, ct);
        var monthly = await impact.MonthlyAsync(account.Id, mode, sub?.Id, ct);
        var snapshot = await catalog.GetAsync(ct);

        var equivalents = Equivalents.Of(summary.Grams, factors).Where(e => account.HostedImpactPageEquivalents.HasFlag(e.Kind)).ToList();
        var categories = summary.Categories.Select(c => new ImpactCategoryView(c.Category.Name, c.Grams)).ToList();
        var projects = summary.Categories.SelectMany(c => c.Projects.Select(p => new ImpactProjectView(p.Project.Name, p.Project.Type, c.Category.Name,
                p.Project.Summary, p.Project.Description, p.Project.ImageUrl, p.Project.LocationName, p.Grams)))
            .OrderByDescending(p => p.Grams).ToList();
        return new ImpactPageView(sub?.Name ?? account.Name, sub?.LogoUrl, summary.Grams, summary.FirstOrderAt, mode == TokenMode.Test,
            equivalents, categories, Months(monthly, time.GetUtcNow().UtcDateTime), projects,
            [.. summary.Donations.Select(d => new ImpactDonationView(d.Project.Name, d.Project.Summary, d.UsdCents))]);
    }

    /// <summary>Every month from the first order's to this one (at most <see cref="ChartMonths"/>), months without orders at zero.</summary>
    private static List<ImpactMonthView> Months(IReadOnlyList<MonthlyImpact> monthly, DateTime now)
    {
        if (monthly.Count == 0) return [];
        var byMonth = monthly.ToDictionary(m => (m.Year, m.Month), m => m.Grams);
        var end = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        var first = new DateTime(monthly[0].Year, monthly[0].Month, 1, 0, 0, 0, DateTimeKind.Utc);
        var start = first < end.AddMonths(-(ChartMonths - 1)) ? end.AddMonths(-(ChartMonths - 1)) : first;
        var months = new List<ImpactMonthView>();
        for (var m = start; m <= end; m = m.AddMonths(1))
            months.Add(new ImpactMonthView(Format.Month(m.Year, m.Month), byMonth.GetValueOrDefault((m.Year, m.Month))));
        return months;
    }

    [GeneratedRegex("^[A-Za-z0-9]{1,40}$")]
    private static partial Regex CertificateIdShape();

    [GeneratedRegex(ImpactSlugs.Pattern)]
    private static partial Regex SlugShape();

    [GeneratedRegex("^[A-Za-z0-9_-]{1,16}$")]
    private static partial Regex SubaccountIdShape();
}
