using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;

namespace Canopy.Pages;

/// <summary>
/// Renders a Razor component to an HTML string on the server (no Blazor circuit, no script): Razor encodes every
/// value it writes, so names, descriptions and notes cannot inject markup.
/// </summary>
internal static class PageRendering
{
    /// <summary>Pages load only what Canopy serves (stylesheet, icon); images may come from the operator's https hosts.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self' data: https:; base-uri 'none'; form-action 'none'";

    public static async Task<IResult> HtmlAsync<TComponent>(HttpContext http, Dictionary<string, object?> parameters,
        int status = StatusCodes.Status200OK) where TComponent : IComponent
    {
        await using var renderer = new HtmlRenderer(http.RequestServices, http.RequestServices.GetRequiredService<ILoggerFactory>());
        var html = await renderer.Dispatcher.InvokeAsync(async () =>
            (await renderer.RenderComponentAsync<TComponent>(ParameterView.FromDictionary(parameters))).ToHtmlString());
        return TypedResults.Content("<!DOCTYPE html>\n" + html, "text/html; charset=utf-8", statusCode: status);
    }

    public static Task<IResult> NotFoundAsync(HttpContext http, string what) =>
        HtmlAsync<Components.NotFoundPage>(http, new() { ["What"] = what }, StatusCodes.Status404NotFound);

    /// <summary>Every response of the public pages: a strict CSP, no MIME sniffing, no referrer (certificate URLs are secrets).</summary>
    public static ValueTask<object?> SecurityHeadersAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ApplySecurityHeaders(context.HttpContext.Response);
        return next(context);
    }

    /// <summary>The headers every public page carries (also error pages written outside an endpoint).</summary>
    public static void ApplySecurityHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
    }
}
