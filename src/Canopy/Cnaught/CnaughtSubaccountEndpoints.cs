using System.Diagnostics;
using Canopy.Accounts;
using Canopy.Catalog;
using Canopy.Data;
using Canopy.Idempotency;
using Canopy.Kernel;
using Canopy.Platform;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.EntityFrameworkCore;
using Microsoft.OpenApi;

namespace Canopy.Cnaught;

public sealed record CnaughtSubaccount(string Id, string Name, string? Email, string CreatedOn, string? DefaultPortfolioId, string? LogoUrl);

/// <summary>CNaught's subaccounts: list (cursor pages), create, get, full-replace update, and logos by URL or by upload.</summary>
internal static class CnaughtSubaccountEndpoints
{
    /// <summary>The upload route's own body limit (every other route keeps the global 1 MiB).</summary>
    public const int MaxLogoBytes = SubaccountRules.MaxLogoBytes;

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

    private static async Task<IResult> CreateAsync(HttpContext http, SubaccountService subaccounts, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(http.Request, Json.SnakeCase, Validators<CnaughtSubaccountValidator>.Instance, allowForm: false, ct);
        if (body.Value is not { } r) return CnaughtProblems.InvalidParameters(body.Errors!);
        var written = await subaccounts.CreateAsync(Scope(http), new SubaccountFields(r.Name!, r.Email, r.DefaultPortfolioId, r.LogoUrl), ct);
        return Answer(written, sub => TypedResults.Json(Shape(http.Request, sub, r.DefaultPortfolioId), Json.SnakeCase, statusCode: StatusCodes.Status201Created));
    }

    private static async Task<IResult> GetAsync(string id, HttpContext http, CanopyDbContext db, SubaccountService subaccounts, CancellationToken ct)
    {
        var sub = await subaccounts.FindAsync(Scope(http), id, tracked: false, ct);
        return sub is null ? NotFound() : TypedResults.Json(Shape(http.Request, sub, await PortfolioIdsAsync(db, [sub], ct)), Json.SnakeCase);
    }

    private static async Task<IResult> UpdateAsync(string id, HttpContext http, SubaccountService subaccounts, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(http.Request, Json.SnakeCase, Validators<CnaughtSubaccountValidator>.Instance, allowForm: false, ct);
        // An unknown subaccount is a 404 whatever the body.
        if (body.Value is not { } r)
            return await subaccounts.FindAsync(Scope(http), id, tracked: false, ct) is null ? NotFound() : CnaughtProblems.InvalidParameters(body.Errors!);
        var written = await subaccounts.ReplaceAsync(Scope(http), id, new SubaccountFields(r.Name!, r.Email, r.DefaultPortfolioId), ct);
        return Answer(written, sub => TypedResults.Json(Shape(http.Request, sub, r.DefaultPortfolioId), Json.SnakeCase));
    }

    /// <summary>
    /// SDK 3.x's deleteSubaccount: 204 without a body (the SDK reads no body on 204). A subaccount with orders of any
    /// state is kept, so that every order keeps the subaccount it was placed for; its logos go with it.
    /// </summary>
    private static async Task<IResult> DeleteAsync(string id, HttpContext http, SubaccountService subaccounts, CancellationToken ct) =>
        await subaccounts.DeleteAsync(Scope(http), id, ct) switch
        {
            { Failure: null } => TypedResults.NoContent(),
            { Failure: WriteFailure.Forbidden f } => CnaughtProblems.Forbidden(f.Title, f.Detail),
            var other => Answer(other, _ => TypedResults.NoContent()),
        };

    private static async Task<IResult> SetLogoUrlAsync(string id, HttpContext http, CanopyDbContext db, SubaccountService subaccounts, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(http.Request, Json.SnakeCase, Validators<CnaughtLogoUrlValidator>.Instance, allowForm: false, ct);
        // An unknown subaccount is a 404 whatever the body.
        if (body.Value is not { } r)
            return await subaccounts.FindAsync(Scope(http), id, tracked: false, ct) is null ? NotFound() : CnaughtProblems.InvalidParameters(body.Errors!);
        var written = await subaccounts.SetLogoUrlAsync(Scope(http), id, r.LogoUrl!, ct);
        return written.Failure is null ? await ShapeAsync(http, db, written.Value!, ct) : Answer(written, _ => Results.Empty);
    }

    private static async Task<IResult> UploadLogoAsync(string id, HttpContext http, CanopyDbContext db, SubaccountService subaccounts, CancellationToken ct)
    {
        if (await subaccounts.FindAsync(Scope(http), id, tracked: false, ct) is null) return NotFound();
        // Refused before the body is read: the media type, then the size as the bytes arrive; the service checks the image.
        var contentType = http.Request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        if (!SubaccountRules.IsLogoContentType(contentType))
            return CnaughtProblems.InvalidParameters("logo_file_content", SubaccountRules.LogoContentTypeMessage);
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
        var written = await subaccounts.UploadLogoAsync(Scope(http), id, contentType, buffer.ToArray(), ct);
        return written.Failure is null ? await ShapeAsync(http, db, written.Value!, ct) : Answer(written, _ => Results.Empty);
    }

    private static BadHttpRequestException LogoTooLarge() =>
        new($"The logo must be at most {MaxLogoBytes / 1024 / 1024} MiB.", StatusCodes.Status413PayloadTooLarge);

    private static async Task<IResult> RemoveLogoAsync(string id, HttpContext http, CanopyDbContext db, SubaccountService subaccounts, CancellationToken ct)
    {
        var written = await subaccounts.RemoveLogoAsync(Scope(http), id, ct);
        return written.Failure is null ? await ShapeAsync(http, db, written.Value!, ct) : Answer(written, _ => Results.Empty);
    }

    private static IResult NotFound() => CnaughtProblems.NotFound("Could not find subaccount");

    private static SubaccountScope Scope(HttpContext http)
    {
        var caller = http.GetCaller();
        return new SubaccountScope(caller.AccountId, caller.Mode);
    }

    /// <summary>The service's result in CNaught's shapes: <paramref name="ok"/> with the subaccount, or its failure.</summary>
    private static IResult Answer(WriteResult<Subaccount> result, Func<Subaccount, IResult> ok) => result.Failure switch
    {
        null => ok(result.Value!),
        WriteFailure.NotFound => NotFound(),
        WriteFailure.Invalid i => CnaughtProblems.InvalidParameters(i.Errors),
        _ => throw new UnreachableException("A subaccount's write fails only as not found or invalid."),
    };

    private static async Task<IResult> ShapeAsync(HttpContext http, CanopyDbContext db, Subaccount sub, CancellationToken ct) =>
        TypedResults.Json(Shape(http.Request, sub, await PortfolioIdsAsync(db, [sub], ct)), Json.SnakeCase);

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
