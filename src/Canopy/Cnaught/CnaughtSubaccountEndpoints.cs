using Canopy.Accounts;
using Canopy.Catalog;
using Canopy.Data;
using Canopy.Idempotency;
using Canopy.Web;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.EntityFrameworkCore;
using Microsoft.OpenApi;

namespace Canopy.Cnaught;

public sealed record CnaughtSubaccount(string Id, string Name, string? Email, string CreatedOn, string? DefaultPortfolioId, string? LogoUrl);

/// <summary>CNaught's subaccounts: list (cursor pages), create, get, full-replace update, and logos by URL or by upload.</summary>
internal static class CnaughtSubaccountEndpoints
{
    /// <summary>The upload route's own body limit (every other route keeps the global 1 MiB).</summary>
    public const int MaxLogoBytes = 5 * 1024 * 1024;

    public static RouteGroupBuilder MapCnaughtSubaccounts(this RouteGroupBuilder v1)
    {
        var subs = v1.MapGroup("/subaccounts").ProducesProblem(StatusCodes.Status404NotFound);
        subs.MapGet("", ListAsync).WithName("CnaughtListSubaccounts").WithSummary("List subaccounts, newest first (cursor pages)")
            .Produces<CnaughtList<CnaughtSubaccount>>();
        subs.MapPost("", CreateAsync).AddEndpointFilter<IdempotencyFilter<CnaughtIdempotencyErrors>>().WithName("CnaughtCreateSubaccount")
            .WithSummary("Create a subaccount").WithJsonBody<CnaughtSubaccountRequest>().Produces<CnaughtSubaccount>(201);
        subs.MapGet("/{id}", GetAsync).WithName("CnaughtGetSubaccount").WithSummary("Get a subaccount").Produces<CnaughtSubaccount>();
        subs.MapPut("/{id}", UpdateAsync).WithName("CnaughtUpdateSubaccount")
            .WithSummary("Replace a subaccount's name, email and default portfolio (omitted fields become null; the logo is kept)")
            .WithJsonBody<CnaughtSubaccountRequest>().Produces<CnaughtSubaccount>();
        subs.MapDelete("/{id}", DeleteAsync).WithName("CnaughtDeleteSubaccount")
            .WithSummary("Delete a subaccount that has no orders (403 while it has any)").Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status403Forbidden);
        subs.MapPost("/{id}/logo", SetLogoUrlAsync).AddEndpointFilter<IdempotencyFilter<CnaughtIdempotencyErrors>>().WithName("CnaughtSetSubaccountLogoUrl")
            .WithSummary("Set the logo from a URL").WithJsonBody<CnaughtLogoUrlRequest>().Produces<CnaughtSubaccount>();
        subs.MapPut("/{id}/logo", UploadLogoAsync).WithName("CnaughtUploadSubaccountLogo")
            .WithSummary("Upload the logo as PNG or JPEG bytes (at most 5 MiB); a copy at most 1024 px on the long side is served from a stable URL")
            .WithMetadata(new Microsoft.AspNetCore.Mvc.RequestSizeLimitAttribute(MaxLogoBytes))
            .AddOpenApiOperationTransformer(DescribeLogoBody).Produces<CnaughtSubaccount>()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        subs.MapDelete("/{id}/logo", RemoveLogoAsync).WithName("CnaughtRemoveSubaccountLogo").WithSummary("Remove the logo")
            .Produces<CnaughtSubaccount>();
        return v1;
    }

    /// <summary>
    /// The upload's body is described for OpenAPI here rather than with <c>Accepts()</c>: that metadata makes routing
    /// answer any other media type with a bare 415, where CNaught clients expect invalid-parameters naming the field.
    /// </summary>
    private static Task DescribeLogoBody(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Description = $"The logo as PNG or JPEG bytes, at most {MaxLogoBytes / 1024 / 1024} MiB and {ImageHeader.MaxPixels / 1_000_000} megapixels.",
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal)
            {
                ["image/png"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } },
                ["image/jpeg"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } },
            },
        };
        return Task.CompletedTask;
    }

    /// <summary>Uploaded logos, public (they appear on hosted impact pages).</summary>
    public static WebApplication MapSubaccountLogos(this WebApplication app)
    {
        app.MapGet("/logos/{id}", async (string id, CanopyDbContext db, HttpContext http, CancellationToken ct) =>
        {
            var logo = id.Length > 32 ? null : await db.SubaccountLogos.AsNoTracking().Where(l => l.Id == id)
                .Select(l => new { l.ServedBytes }).FirstOrDefaultAsync(ct);
            if (logo is null) return Results.NotFound();
            var served = logo.ServedBytes ?? await MakeServedCopyAsync(db, id, ct);
            return served is null ? Results.NotFound() : LogoFile(http, served, "image/png");
        }).WithTags("Public pages").WithName("SubaccountLogo")
            .WithSummary("An uploaded subaccount logo, as the copy pages link to (PNG, at most 1024 px on the long side)");
        app.MapGet("/logos/{id}/original", async (string id, CanopyDbContext db, HttpContext http, CancellationToken ct) =>
        {
            var logo = id.Length > 32 ? null : await db.SubaccountLogos.AsNoTracking().Where(l => l.Id == id)
                .Select(l => new { l.Bytes, l.ContentType }).FirstOrDefaultAsync(ct);
            return logo is null ? Results.NotFound() : LogoFile(http, logo.Bytes, logo.ContentType);
        }).WithTags("Public pages").WithName("SubaccountLogoOriginal").WithSummary("An uploaded subaccount logo as it was uploaded");
        return app;
    }

    private static IResult LogoFile(HttpContext http, byte[] bytes, string contentType)
    {
        http.Response.Headers.CacheControl = "public, max-age=31536000, immutable";
        // Served from our origin: never let a browser sniff it as anything else, or run anything in it if opened.
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; sandbox";
        return Results.File(bytes, contentType);
    }

    /// <summary>A logo uploaded before served copies existed gets its copy at its first request.</summary>
    private static async Task<byte[]?> MakeServedCopyAsync(CanopyDbContext db, string id, CancellationToken ct)
    {
        var original = await db.SubaccountLogos.AsNoTracking().Where(l => l.Id == id).Select(l => l.Bytes).FirstOrDefaultAsync(ct);
        if (original is null) return null;
        var served = await LogoImages.DownscaleAsync(original, ct);
        if (served is null) return null;
        await db.SubaccountLogos.Where(l => l.Id == id).ExecuteUpdateAsync(u => u.SetProperty(l => l.ServedBytes, served), ct);
        return served;
    }

    private static async Task<IResult> ListAsync(HttpContext http, CanopyDbContext db, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var page = CursorPage.Parse(http.Request.Query);
        if (page.Error is not null) return CnaughtProblems.InvalidPagination(page.Error);
        var scope = db.Subaccounts.AsNoTracking().Where(s => s.AccountId == caller.AccountId && s.Mode == caller.Mode);
        long? cursorId = null;
        if (page.Cursor is { } cursor)
        {
            cursorId = await scope.Where(s => s.PublicId == cursor).Select(s => (long?)s.Id).FirstOrDefaultAsync(ct);
            if (cursorId is null) return CnaughtProblems.InvalidPagination("No subaccount with that id to page from.");
        }
        List<Subaccount> list = page.Before
            ? [.. (await scope.Where(s => s.Id > cursorId!.Value).OrderBy(s => s.Id).Take(page.Limit).ToListAsync(ct)).AsEnumerable().Reverse()]
            : await (cursorId is { } after ? scope.Where(s => s.Id < after) : scope).OrderByDescending(s => s.Id).Take(page.Limit).ToListAsync(ct);
        var portfolios = await PortfolioIdsAsync(db, list, ct);
        return TypedResults.Json(new CnaughtList<CnaughtSubaccount>([.. list.Select(s => Shape(http.Request, s, portfolios))]), Json.SnakeCase);
    }

    private static async Task<IResult> CreateAsync(HttpContext http, CanopyDbContext db, CatalogCache catalog, TimeProvider time, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var body = await RequestBody.ReadAsync(http.Request, Json.SnakeCase, Validators<CnaughtSubaccountValidator>.Instance, allowForm: false, ct);
        if (body.Value is not { } r) return CnaughtProblems.InvalidParameters(body.Errors!);
        var portfolio = await PortfolioAsync(catalog, r.DefaultPortfolioId, ct);
        if (portfolio.Error) return CnaughtProblems.InvalidParameters("default_portfolio_id", $"There is no portfolio '{r.DefaultPortfolioId}'.");
        var sub = new Subaccount
        {
            PublicId = Tokens.RandomString(8),
            AccountId = caller.AccountId,
            Mode = caller.Mode,
            Name = r.Name!.Trim(),
            Email = string.IsNullOrWhiteSpace(r.Email) ? null : r.Email.Trim(),
            DefaultPortfolioId = portfolio.Id,
            LogoUrl = r.LogoUrl,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.Subaccounts.Add(sub);
        await db.SaveChangesAsync(ct);
        return TypedResults.Json(Shape(http.Request, sub, r.DefaultPortfolioId), Json.SnakeCase, statusCode: StatusCodes.Status201Created);
    }

    private static async Task<IResult> GetAsync(string id, HttpContext http, CanopyDbContext db, CancellationToken ct)
    {
        var sub = await FindAsync(http, db, id, tracked: false, ct);
        return sub is null ? NotFound() : TypedResults.Json(Shape(http.Request, sub, await PortfolioIdsAsync(db, [sub], ct)), Json.SnakeCase);
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext http, CanopyDbContext db, CatalogCache catalog, CancellationToken ct)
    {
        var sub = await FindAsync(http, db, id, tracked: true, ct);
        if (sub is null) return NotFound();
        var body = await RequestBody.ReadAsync(http.Request, Json.SnakeCase, Validators<CnaughtSubaccountValidator>.Instance, allowForm: false, ct);
        if (body.Value is not { } r) return CnaughtProblems.InvalidParameters(body.Errors!);
        var portfolio = await PortfolioAsync(catalog, r.DefaultPortfolioId, ct);
        if (portfolio.Error) return CnaughtProblems.InvalidParameters("default_portfolio_id", $"There is no portfolio '{r.DefaultPortfolioId}'.");
        sub.Name = r.Name!.Trim();
        sub.Email = string.IsNullOrWhiteSpace(r.Email) ? null : r.Email.Trim();
        sub.DefaultPortfolioId = portfolio.Id;
        await db.SaveChangesAsync(ct);
        return TypedResults.Json(Shape(http.Request, sub, r.DefaultPortfolioId), Json.SnakeCase);
    }

    /// <summary>
    /// SDK 3.x's deleteSubaccount: 204 without a body (the SDK reads no body on 204). A subaccount with orders of any
    /// state is kept, so that every order keeps the subaccount it was placed for; its logos go with it.
    /// </summary>
    private static async Task<IResult> DeleteAsync(string id, HttpContext http, CanopyDbContext db, AccountContextCache contexts, CancellationToken ct)
    {
        var sub = await FindAsync(http, db, id, tracked: false, ct);
        if (sub is null) return NotFound();
        // The order path finds subaccounts in the cached caller context: evict it before the delete and after the commit.
        contexts.Invalidate(sub.AccountId);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // The row lock (PostgreSQL) queues this delete behind logo changes of the same subaccount.
        await db.Subaccounts.Where(s => s.Id == sub.Id).ExecuteUpdateAsync(u => u.SetProperty(s => s.Name, s => s.Name), ct);
        if (await db.Orders.AnyAsync(o => o.AccountId == sub.AccountId && o.SubaccountId == sub.Id, ct))
            return CnaughtProblems.Forbidden("Subaccount has orders", "A subaccount with orders cannot be deleted.");
        await db.SubaccountLogos.Where(l => l.SubaccountId == sub.Id).ExecuteDeleteAsync(ct);
        await db.Subaccounts.Where(s => s.Id == sub.Id).ExecuteDeleteAsync(ct);
        await tx.CommitAsync(CancellationToken.None);
        contexts.Invalidate(sub.AccountId);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> SetLogoUrlAsync(string id, HttpContext http, CanopyDbContext db, CancellationToken ct)
    {
        var sub = await FindAsync(http, db, id, tracked: true, ct);
        if (sub is null) return NotFound();
        var body = await RequestBody.ReadAsync(http.Request, Json.SnakeCase, Validators<CnaughtLogoUrlValidator>.Instance, allowForm: false, ct);
        if (body.Value is not { } r) return CnaughtProblems.InvalidParameters(body.Errors!);
        // The image stays where it is: fetching arbitrary URLs from the server would invite SSRF.
        sub.LogoUrl = r.LogoUrl;
        await ReplaceLogoAsync(db, sub, null, ct);
        return TypedResults.Json(Shape(http.Request, sub, await PortfolioIdsAsync(db, [sub], ct)), Json.SnakeCase);
    }

    private static async Task<IResult> UploadLogoAsync(string id, HttpContext http, CanopyDbContext db, TimeProvider time, CancellationToken ct)
    {
        var sub = await FindAsync(http, db, id, tracked: true, ct);
        if (sub is null) return NotFound();
        var contentType = http.Request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (contentType is not ("image/png" or "image/jpeg" or "image/jpg"))
            return CnaughtProblems.InvalidParameters("logo_file_content", "The logo must be sent as image/png or image/jpeg.");
        // The route's own cap, as Kestrel enforces it from the endpoint's metadata, and here too for hosts that do not:
        // 413 as a BadHttpRequestException, which the dialect words (payload-too-large).
        if (http.Request.ContentLength > MaxLogoBytes) throw LogoTooLarge();
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxLogoBytes) throw LogoTooLarge();
            buffer.Write(chunk, 0, read);
        }
        var bytes = buffer.ToArray();
        var image = ImageHeader.Read(bytes);
        if (image is null || (image.ContentType == "image/png") != (contentType == "image/png"))
            return CnaughtProblems.InvalidParameters("logo_file_content",
                $"The body is not a well-formed PNG or JPEG image (at most {ImageHeader.MaxDimension} pixels a side and {ImageHeader.MaxPixels / 1_000_000} megapixels) matching its Content-Type.");
        var kind = image.ContentType;
        var served = await LogoImages.DownscaleAsync(bytes, ct);
        if (served is null)
            return CnaughtProblems.InvalidParameters("logo_file_content", "The image's pixel data could not be decoded.");

        var logo = new SubaccountLogo
        {
            Id = Tokens.RandomString(24), AccountId = sub.AccountId, SubaccountId = sub.Id, ContentType = kind, Bytes = bytes, ServedBytes = served,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        sub.LogoUrl = "/logos/" + logo.Id;
        await ReplaceLogoAsync(db, sub, logo, ct);
        return TypedResults.Json(Shape(http.Request, sub, await PortfolioIdsAsync(db, [sub], ct)), Json.SnakeCase);
    }

    private static BadHttpRequestException LogoTooLarge() =>
        new($"The logo must be at most {MaxLogoBytes / 1024 / 1024} MiB.", StatusCodes.Status413PayloadTooLarge);

    private static async Task<IResult> RemoveLogoAsync(string id, HttpContext http, CanopyDbContext db, CancellationToken ct)
    {
        var sub = await FindAsync(http, db, id, tracked: true, ct);
        if (sub is null) return NotFound();
        sub.LogoUrl = null;
        await ReplaceLogoAsync(db, sub, null, ct);
        return TypedResults.Json(Shape(http.Request, sub, await PortfolioIdsAsync(db, [sub], ct)), Json.SnakeCase);
    }

    /// <summary>
    /// Sets the subaccount's logo_url and leaves exactly the given uploaded logo (or none), in one transaction. The
    /// subaccount row is written first: on PostgreSQL its row lock queues concurrent logo changes of the same
    /// subaccount, so none of them can leave an orphan logo served publicly.
    /// </summary>
    private static async Task ReplaceLogoAsync(CanopyDbContext db, Subaccount sub, SubaccountLogo? logo, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var url = sub.LogoUrl;
        await db.Subaccounts.Where(s => s.Id == sub.Id).ExecuteUpdateAsync(u => u.SetProperty(s => s.LogoUrl, url), ct);
        var keep = logo?.Id;
        await db.SubaccountLogos.Where(l => l.SubaccountId == sub.Id && l.Id != keep).ExecuteDeleteAsync(ct);
        if (logo is not null) db.SubaccountLogos.Add(logo);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(CancellationToken.None);
    }

    private static IResult NotFound() => CnaughtProblems.NotFound("Could not find subaccount");

    private static Task<Subaccount?> FindAsync(HttpContext http, CanopyDbContext db, string id, bool tracked, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var query = tracked ? db.Subaccounts : db.Subaccounts.AsNoTracking();
        return id.Length > 16 ? Task.FromResult<Subaccount?>(null) : query.FirstOrDefaultAsync(s => s.PublicId == id && s.AccountId == caller.AccountId && s.Mode == caller.Mode, ct);
    }

    private static async Task<(long? Id, bool Error)> PortfolioAsync(CatalogCache catalog, string? publicId, CancellationToken ct)
    {
        if (publicId is null) return (null, false);
        var snapshot = await catalog.GetAsync(ct);
        return snapshot.PortfoliosByPublicId.TryGetValue(publicId, out var p) && p.Active ? (p.Id, false) : (null, true);
    }

    private static async Task<Dictionary<long, string>> PortfolioIdsAsync(CanopyDbContext db, IReadOnlyCollection<Subaccount> subs, CancellationToken ct)
    {
        var ids = subs.Where(s => s.DefaultPortfolioId != null).Select(s => s.DefaultPortfolioId!.Value).Distinct().ToList();
        return ids.Count == 0 ? [] : await db.Portfolios.Where(p => ids.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.PublicId, ct);
    }

    private static CnaughtSubaccount Shape(HttpRequest request, Subaccount s, Dictionary<long, string> portfolios) =>
        Shape(request, s, s.DefaultPortfolioId is { } id ? portfolios.GetValueOrDefault(id) : null);

    private static CnaughtSubaccount Shape(HttpRequest request, Subaccount s, string? portfolioPublicId) =>
        new(s.PublicId, s.Name, s.Email, Json.Timestamp(s.CreatedAt), portfolioPublicId, PublicUrls.Absolute(request, s.LogoUrl));
}
