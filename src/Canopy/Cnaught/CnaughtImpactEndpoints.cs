using System.Globalization;
using Canopy.Accounts;
using Canopy.Data;
using Canopy.Impact;
using Canopy.Kernel;
using Canopy.Platform;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Canopy.Cnaught;

public sealed record CnaughtEquivalents(decimal CarsOffTheRoad, decimal TreesPlanted, decimal HomesAnnualEnergyUsage, decimal FlightsLaxToNyc);

public sealed record CnaughtProjectCategory(string Id, string Name, string? Description, string? PrimaryImageUrl);

public sealed record CnaughtImpactProject(CnaughtProject Project, decimal OffsetKgs, string Vintages);

public sealed record CnaughtImpactCategory(CnaughtProjectCategory Category, decimal OffsetKgs, IReadOnlyList<CnaughtImpactProject> Projects);

public sealed record CnaughtImpactData(string? Name, string? LogoUrl, decimal TotalOffsetKgs, CnaughtEquivalents Equivalents,
    IReadOnlyList<CnaughtImpactCategory> Categories, string SinceDate, string? ToDate);

public sealed record CnaughtHostedPageConfig(bool Enabled, string Url, IReadOnlyList<string> EnabledEquivalents);

/// <summary>CNaught's impact data and hosted impact page configuration, per account or per subaccount.</summary>
internal static class CnaughtImpactEndpoints
{
    public static RouteGroupBuilder MapCnaughtImpact(this RouteGroupBuilder v1)
    {
        v1.MapGet("/impact/data", DataAsync).WithName("CnaughtImpactData")
            .WithSummary("Total offsets by category and project, with everyday equivalents (optional from / to ISO dates)")
            .Produces<CnaughtImpactData>();
        v1.MapGet("/impact/hosted-page-config", HostedPageAsync).WithName("CnaughtImpactHostedPageConfig")
            .WithSummary("The hosted public impact page of the account or subaccount").Produces<CnaughtHostedPageConfig>();
        return v1;
    }

    private static async Task<IResult> DataAsync(HttpContext http, CanopyDbContext db, ImpactService impact, IOptionsSnapshot<EquivalenceFactors> factors, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var selection = await SubaccountResolver.ResolveAsync(http, ct);
        if (selection.Error is not null) return selection.Error;
        var errors = new FieldErrors();
        var from = ParseDate(http.Request.Query["from"], "from", errors);
        var to = ParseDate(http.Request.Query["to"], "to", errors);
        if (from is not null && to is not null && from >= to) errors.Add("to", "'to' must be after 'from'.");
        if (errors.Count > 0) return CnaughtProblems.InvalidParameters(errors);

        var account = await db.Accounts.AsNoTracking().Where(a => a.Id == caller.AccountId).Select(a => new { a.Name, a.CreatedAt }).FirstAsync(ct);
        var sub = selection.Subaccount is { } selected
            ? await db.Subaccounts.AsNoTracking().Where(s => s.Id == selected.Id).Select(s => new { s.Name, s.CreatedAt, s.LogoUrl }).FirstOrDefaultAsync(ct)
            : null;
        if (selection.Subaccount is not null && sub is null)
            return CnaughtProblems.InvalidSubaccount($"No subaccount '{selection.Subaccount.PublicId}' exists for this account.");
        var summary = await impact.SummariseAsync(caller.AccountId, caller.Mode, selection.Subaccount?.Id, from, to, ct);
        var kg = CnaughtShapes.Kg(summary.Grams);
        var e = Equivalents.Of(summary.Grams, factors.Value).ToDictionary(x => x.Kind, x => x.Amount);
        var equivalents = new CnaughtEquivalents(e[ImpactEquivalents.CarsOffTheRoad], e[ImpactEquivalents.TreesPlanted],
            e[ImpactEquivalents.HomesAnnualEnergyUsage], e[ImpactEquivalents.FlightsLaxToNyc]);
        var categories = summary.Categories.Select(c => new CnaughtImpactCategory(
            new CnaughtProjectCategory(c.Category.Id, c.Category.Name, c.Category.Description, c.Category.ImageUrl),
            CnaughtShapes.Kg(c.Grams),
            [.. c.Projects.Select(p => new CnaughtImpactProject(CnaughtCatalogEndpoints.ToCnaught(p.Project), CnaughtShapes.Kg(p.Grams),
                string.Join(", ", p.Vintages.Select(v => v.ToString(CultureInfo.InvariantCulture)))))])).ToList();
        var since = from ?? summary.FirstOrderAt ?? sub?.CreatedAt ?? account.CreatedAt;
        return TypedResults.Json(new CnaughtImpactData(
            sub?.Name ?? account.Name,
            PublicUrls.Absolute(http.Request, sub?.LogoUrl),
            kg, equivalents, categories, Json.Timestamp(since), to is { } t ? Json.Timestamp(t) : null), Json.SnakeCase);
    }

    private static async Task<IResult> HostedPageAsync(HttpContext http, CanopyDbContext db, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var selection = await SubaccountResolver.ResolveAsync(http, ct);
        if (selection.Error is not null) return selection.Error;
        var account = await db.Accounts.AsNoTracking().Where(a => a.Id == caller.AccountId)
            .Select(a => new { a.ImpactSlug, a.HostedImpactPageEnabled, a.HostedImpactPageEquivalents }).FirstAsync(ct);
        var slug = account.ImpactSlug ?? caller.AccountId.ToString(CultureInfo.InvariantCulture);
        var path = selection.Subaccount is { } s ? $"/impact/{slug}/{s.PublicId}" : $"/impact/{slug}";
        return TypedResults.Json(new CnaughtHostedPageConfig(account.HostedImpactPageEnabled && account.ImpactSlug is not null,
            PublicUrls.Base(http.Request) + path, Equivalents.Names(account.HostedImpactPageEquivalents)), Json.SnakeCase);
    }

    private static DateTime? ParseDate(string? value, string field, FieldErrors errors)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d))
            return d.UtcDateTime;
        errors.Add(field, $"'{field}' must be an ISO 8601 date or date-time.");
        return null;
    }
}
