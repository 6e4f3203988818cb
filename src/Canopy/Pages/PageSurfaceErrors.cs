using Canopy.Kernel;
using Canopy.Platform;
using Microsoft.AspNetCore.WebUtilities;

namespace Canopy.Pages;

/// <summary>
/// The public pages' errors raised outside their handlers (a NUL in a query string, throttling, an unrouted path, an
/// unavailable database): an HTML page with the pages' security headers, like their own 404s, never JSON.
/// </summary>
internal sealed class PageSurfaceErrors : ISurfaceErrors
{
    private static readonly PathString[] Sections = ["/feed", "/certificates", "/impact", "/assets"];

    public PathString BasePath => "/";

    public bool Owns(PathString path) => path == "/" || Sections.Any(s => path.StartsWithSegments(s));

    public IResult Invalid(FieldErrors errors) =>
        new PageErrorResult(StatusCodes.Status400BadRequest, $"This address has something the page cannot read ({string.Join(", ", errors.Keys)}). Check the link you followed.");

    public IResult Status(int status, string message) => new PageErrorResult(status, message);
}

/// <summary>Renders the error page when executed (a surface's error results are built synchronously).</summary>
internal sealed class PageErrorResult(int status, string message) : IResult, IStatusCodeHttpResult
{
    public int? StatusCode => status;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        PageRendering.ApplySecurityHeaders(httpContext.Response);
        var page = status == StatusCodes.Status404NotFound
            ? await PageRendering.NotFoundAsync(httpContext, "page")
            : await PageRendering.HtmlAsync<Components.ErrorPage>(httpContext,
                new() { ["Heading"] = ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } p ? p : "Error", ["Message"] = message }, status);
        await page.ExecuteAsync(httpContext);
    }
}

internal static class PageSetup
{
    /// <summary>The pages' error shape for errors raised outside their handlers.</summary>
    public static IServiceCollection AddPages(this IServiceCollection services) =>
        services.AddSingleton<ISurfaceErrors, PageSurfaceErrors>()
            .AddSingleton(new TagDescription(PageEndpoints.Tag, "Certificates, impact pages, the public feed and uploaded logos; no credentials."));
}
