using System.Globalization;
using Canopy.Catalog;
using Canopy.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Operator;

/// <summary>Issued, retired and available grams of one vintage of one project, over its batches.</summary>
public sealed record VintageResponse(string ProjectId, int Vintage, int Batches, long GramsIssued, long GramsRetired, long GramsAvailable);

/// <summary>The operator's view of inventory: batches (issued, retired, available) and the same per vintage.</summary>
internal static class InventoryAdminEndpoints
{
    public static RouteGroupBuilder MapInventoryAdmin(this RouteGroupBuilder admin)
    {
        var inventory = admin.MapGroup("/inventory").WithTags("Operator: inventory");
        inventory.MapGet("", ListBatchesAsync).WithName("AdminListInventory")
            .WithSummary("List credit batches, newest first, with issued, retired and available grams (?project_id=, ?vintage=, limit, starting_after)")
            .WithPaging().WithIntegerQuery("vintage", MinVintage, MaxVintage).Produces<PageResponse<InventoryResponse>>();
        inventory.MapGet("/{id:long}", GetBatchAsync).WithName("AdminGetInventory").WithSummary("Get one credit batch")
            .Produces<InventoryResponse>();
        inventory.MapGet("/vintages", ListVintagesAsync).WithName("AdminListInventoryVintages")
            .WithSummary("Issued, retired and available grams per project and vintage, by project id then vintage (?project_id=, limit, starting_after: project_id:vintage)")
            .WithPaging().Produces<PageResponse<VintageResponse>>();
        return admin;
    }

    /// <summary>The vintages a batch may have (and the vintage filter takes): an int32 year.</summary>
    public const int MinVintage = 1990, MaxVintage = 2100;

    private static readonly string VintageMessage = $"'vintage' must be a year from {MinVintage} to {MaxVintage}.";

    private static async Task<Results<Ok<PageResponse<InventoryResponse>>, ValidationProblem>> ListBatchesAsync(
        string? project_id, string? vintage, HttpRequest request, CanopyDbContext db, CancellationToken ct)
    {
        var page = AdminPage.Parse(request.Query);
        if (page.Error is not null) return OperatorResults.Invalid(page.ErrorField, page.Error);
        var query = from b in db.CreditBatches.AsNoTracking()
                    join p in db.Projects on b.ProjectId equals p.Id
                    select new { b, p.PublicId };
        if (project_id is not null) query = query.Where(x => x.PublicId == project_id);
        if (!AdminQuery.TryInteger<int>(vintage, out var vintageYear) || vintageYear is < MinVintage or > MaxVintage)
            return OperatorResults.Invalid("vintage", VintageMessage);
        if (vintageYear is { } v) query = query.Where(x => x.b.Vintage == v);
        var rows = await page.NewestFirstAsync(query, x => x.b.Id, ct);
        return TypedResults.Ok(page.Page([.. rows.Select(x => CatalogAdminEndpoints.ToResponse(x.b, x.PublicId))], b => b.Id));
    }

    private static async Task<Results<Ok<InventoryResponse>, ProblemHttpResult>> GetBatchAsync(long id, CanopyDbContext db, CancellationToken ct)
    {
        var row = await (from b in db.CreditBatches.AsNoTracking()
                         join p in db.Projects on b.ProjectId equals p.Id
                         where b.Id == id
                         select new { b, p.PublicId }).FirstOrDefaultAsync(ct);
        return row is null ? OperatorResults.NotFound("credit batch") : TypedResults.Ok(CatalogAdminEndpoints.ToResponse(row.b, row.PublicId));
    }

    /// <summary>One row per (project, vintage), paged on that pair: the cursor is "PROJECT_ID:VINTAGE".</summary>
    private static async Task<Results<Ok<PageResponse<VintageResponse>>, ValidationProblem>> ListVintagesAsync(
        string? project_id, HttpRequest request, CanopyDbContext db, CancellationToken ct)
    {
        var page = AdminPage.ParseKey(request.Query, k => TryVintageCursor(k, out _, out _));
        if (page.Error is not null) return OperatorResults.Invalid(page.ErrorField, page.Error);
        var query = from b in db.CreditBatches.AsNoTracking()
                    join p in db.Projects on b.ProjectId equals p.Id
                    select new { b, p.PublicId };
        if (project_id is not null) query = query.Where(x => x.PublicId == project_id);
        if (page.StartingAfterKey is { } cursor && TryVintageCursor(cursor, out var afterProject, out var afterVintage))
            query = query.Where(x => string.Compare(x.PublicId, afterProject) > 0 || x.PublicId == afterProject && x.b.Vintage > afterVintage);
        var rows = await query.GroupBy(x => new { x.PublicId, x.b.Vintage })
            .OrderBy(g => g.Key.PublicId).ThenBy(g => g.Key.Vintage).Take(page.Limit + 1)
            .Select(g => new VintageResponse(g.Key.PublicId, g.Key.Vintage, g.Count(), g.Sum(x => x.b.GramsIssued),
                g.Sum(x => x.b.GramsIssued - x.b.GramsAvailable), g.Sum(x => x.b.GramsAvailable)))
            .ToListAsync(ct);
        return TypedResults.Ok(page.Page(rows, r => r.ProjectId + ":" + r.Vintage.ToString(CultureInfo.InvariantCulture)));
    }

    private static bool TryVintageCursor(string cursor, out string projectId, out int vintage)
    {
        var colon = cursor.LastIndexOf(':');
        projectId = colon > 0 ? cursor[..colon] : "";
        vintage = 0;
        return colon > 0 && CatalogRules.IsId(projectId)
            && int.TryParse(cursor.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out vintage);
    }
}
