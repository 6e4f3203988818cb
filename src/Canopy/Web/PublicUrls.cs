namespace Canopy.Web;

/// <summary>
/// Absolute URLs for things Canopy serves publicly (logos, certificates, impact pages): <c>Canopy:PublicBaseUrl</c>
/// when set (behind a proxy, set it), otherwise the scheme and host of the request.
/// </summary>
public static class PublicUrls
{
    public static string Base(HttpRequest request)
    {
        var configured = request.HttpContext.RequestServices.GetRequiredService<IConfiguration>()["Canopy:PublicBaseUrl"];
        return string.IsNullOrWhiteSpace(configured) ? $"{request.Scheme}://{request.Host}" : configured.TrimEnd('/');
    }

    /// <summary>Where an order's certificate page is (see Pages/); the PDF is the same path plus ".pdf".</summary>
    public static string CertificatePath(string certificateId) => "/certificates/" + certificateId;

    public static string CertificatePdfPath(string certificateId) => CertificatePath(certificateId) + ".pdf";

    /// <summary>Null, or an absolute http(s) URL: the rule for every URL a client or operator gives us.</summary>
    public static bool IsHttpUrl(string? url) =>
        url is null || (Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps));

    /// <summary>An absolute URL stays as it is; a path of ours gets the base.</summary>
    public static string? Absolute(HttpRequest request, string? urlOrPath) =>
        urlOrPath is null ? null : urlOrPath.StartsWith('/') ? Base(request) + urlOrPath : urlOrPath;
}
