using Canopy.Catalog;
using Canopy.Data;
using Canopy.Impact;
using Canopy.Kernel;
using Canopy.Platform;
using Microsoft.Extensions.Options;

namespace Canopy.Pages;

/// <summary>
/// The public pages: the front door, the public feed, certificates (HTML and PDF) and hosted impact pages.
/// Server-rendered HTML, one stylesheet, no script; every response carries the headers of <see cref="PageRendering"/>.
/// </summary>
internal static class PageEndpoints
{
    private const string Html = "text/html";
    public const string Tag = "Public pages";

    public static WebApplication MapPages(this WebApplication app)
    {
        var pages = app.MapGroup("").WithTags(Tag).AddEndpointFilter(PageRendering.SecurityHeadersAsync);
        pages.MapGet("/", (HttpContext http, CancellationToken _) => PageRendering.HtmlAsync<Components.HomePage>(http, [])).WithName("PageHome").WithSummary("Front door: what this server is, with links to the docs, the feed and health")
            .Produces(StatusCodes.Status200OK, contentType: Html).Produces(StatusCodes.Status400BadRequest, contentType: Html);
        pages.MapGet("/feed", FeedAsync).WithName("PageFeed").WithSummary("The public feed as a page (the data of GET /api/offset-orders/public)")
            .Produces(StatusCodes.Status200OK, contentType: Html).Produces(StatusCodes.Status400BadRequest, contentType: Html);
        pages.MapGet("/certificates/{id}", CertificateAsync).WithName("PageCertificate")
            .WithSummary("An order's certificate (the id is the order's unguessable certificate id)")
            .Produces(StatusCodes.Status200OK, contentType: Html).Produces(StatusCodes.Status404NotFound, contentType: Html);
        pages.MapGet("/certificates/{id}.pdf", CertificatePdfAsync).WithName("PageCertificatePdf").WithSummary("An order's certificate as a PDF")
            .Produces(StatusCodes.Status200OK, contentType: "application/pdf").Produces(StatusCodes.Status404NotFound, contentType: Html);
        pages.MapGet("/impact/{slug}", (string slug, HttpContext http, CancellationToken ct) => ImpactAsync(slug, null, http, ct))
            .WithName("PageImpact").WithSummary("An account's hosted impact page (404 when disabled)")
            .Produces(StatusCodes.Status200OK, contentType: Html).Produces(StatusCodes.Status404NotFound, contentType: Html);
        pages.MapGet("/impact/{slug}/{subaccountId}", (string slug, string subaccountId, HttpContext http, CancellationToken ct) => ImpactAsync(slug, subaccountId, http, ct))
            .WithName("PageSubaccountImpact").WithSummary("A subaccount's hosted impact page (404 when the account's page is disabled)")
            .Produces(StatusCodes.Status200OK, contentType: Html).Produces(StatusCodes.Status404NotFound, contentType: Html);
        pages.MapGet("/assets/{name}", Asset).WithName("PageAsset").WithSummary("The pages' stylesheet and icon")
            .Produces(StatusCodes.Status200OK, contentType: "text/css").Produces(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<IResult> FeedAsync(HttpContext http, PublicFeed feed, CancellationToken ct) =>
        await PageRendering.HtmlAsync<Components.FeedPage>(http, new() { ["Entries"] = await feed.GetAsync(ct) });

    private static async Task<IResult> CertificateAsync(string id, HttpContext http, CanopyDbContext db, CatalogCache catalog, CancellationToken ct)
    {
        var view = await PageQueries.CertificateAsync(db, catalog, id, ct);
        return view is null
            ? await PageRendering.NotFoundAsync(http, "certificate")
            : await PageRendering.HtmlAsync<Components.CertificatePage>(http, new() { ["Model"] = view });
    }

    private static async Task<IResult> CertificatePdfAsync(string id, HttpContext http, CanopyDbContext db, CatalogCache catalog, TimeProvider time, CancellationToken ct)
    {
        var view = await PageQueries.CertificateAsync(db, catalog, id, ct);
        if (view is null) return await PageRendering.NotFoundAsync(http, "certificate");
        var pdf = CertificatePdf.Render(view, PublicUrls.Base(http.Request) + "/certificates/" + view.CertificateId, time.GetUtcNow().UtcDateTime);
        return TypedResults.File(pdf, "application/pdf", $"certificate-{view.OrderNumber}.pdf");
    }

    private static async Task<IResult> ImpactAsync(string slug, string? subaccountId, HttpContext http, CancellationToken ct)
    {
        var services = http.RequestServices;
        // A public page of totals: it may lag by the replication delay (read from a standby when there are read replicas).
        var view = await PageQueries.ImpactAsync(services.GetRequiredKeyedService<CanopyDbContext>(Reads.MayLag), services.GetRequiredService<ImpactService>(),
            services.GetRequiredService<CatalogCache>(), services.GetRequiredService<IOptionsSnapshot<EquivalenceFactors>>().Value,
            services.GetRequiredService<TimeProvider>(), slug, subaccountId, ct);
        return view is null
            ? await PageRendering.NotFoundAsync(http, "impact page")
            : await PageRendering.HtmlAsync<Components.ImpactPage>(http, new() { ["Model"] = view });
    }

    private static readonly Dictionary<string, (string ContentType, byte[] Bytes)> Assets = LoadAssets();

    private static IResult Asset(string name, HttpContext http)
    {
        if (!Assets.TryGetValue(name, out var asset)) return TypedResults.NotFound();
        http.Response.Headers.CacheControl = "public, max-age=3600";
        return TypedResults.Bytes(asset.Bytes, asset.ContentType);
    }

    private static Dictionary<string, (string, byte[])> LoadAssets()
    {
        var assembly = typeof(PageEndpoints).Assembly;
        var assets = new Dictionary<string, (string, byte[])>(StringComparer.Ordinal);
        foreach (var (name, type) in new[] { ("canopy.css", "text/css; charset=utf-8"), ("favicon.svg", "image/svg+xml") })
        {
            using var stream = assembly.GetManifestResourceStream("canopy.assets." + name)
                ?? throw new InvalidOperationException($"The page asset {name} is not embedded.");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            assets[name] = (type, copy.ToArray());
        }
        return assets;
    }
}
