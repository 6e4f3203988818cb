using Canopy.Kernel;

namespace Canopy.Platform;

/// <summary>
/// Absolute URLs for things Canopy serves publicly (logos, certificates, impact pages): <c>Canopy:PublicBaseUrl</c>
/// when set (behind a proxy, set it), otherwise the scheme and host of the request.
/// </summary>
public static class PublicUrls
{
    public static string Base(HttpRequest request) =>
        Configured(request.HttpContext.RequestServices.GetRequiredService<IConfiguration>()) ?? $"{request.Scheme}://{request.Host}";

    /// <summary><c>Canopy:PublicBaseUrl</c> without a trailing slash, or null: all that work outside a request (callbacks) can know.</summary>
    public static string? Configured(IConfiguration config) =>
        config["Canopy:PublicBaseUrl"] is { } configured && !string.IsNullOrWhiteSpace(configured) ? configured.TrimEnd('/') : null;

    /// <summary>Where an order's certificate page is (see Pages/); the PDF is the same path plus ".pdf".</summary>
    public static string CertificatePath(string certificateId) => CertificatesPrefix + certificateId;

    private const string CertificatesPrefix = "/certificates/";
    private const string PdfSuffix = ".pdf";

    /// <summary>
    /// <paramref name="baseUrl"/> + <see cref="CertificatePath"/> (+ ".pdf") written into <paramref name="destination"/>
    /// instead of a new string, for writers that show many; false when it does not fit.
    /// </summary>
    public static bool TryWriteCertificateUrl(Span<char> destination, string baseUrl, string certificateId, bool pdf, out int written) =>
        destination.TryWrite($"{baseUrl}{CertificatesPrefix}{certificateId}{(pdf ? PdfSuffix : "")}", out written);

    public static string CertificatePdfPath(string certificateId) => CertificatePath(certificateId) + PdfSuffix;

    /// <summary>Null, or an absolute http(s) URL: the rule for every URL a client or operator gives us.</summary>
    public static bool IsHttpUrl(string? url) =>
        url is null || (Uri.TryCreate(url, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps));

    /// <summary>An absolute URL stays as it is; a path of ours gets the base.</summary>
    public static string? Absolute(HttpRequest request, string? urlOrPath) =>
        urlOrPath is null ? null : urlOrPath.StartsWith('/') ? Base(request) + urlOrPath : urlOrPath;
}
