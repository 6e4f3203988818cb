using Microsoft.AspNetCore.WebUtilities;

using Canopy.Kernel;

namespace Canopy.Platform;

/// <summary>
/// How one API surface words the errors raised outside its handlers: input refused before a handler runs,
/// unrouted paths and wrong methods, bodies over the limit, throttling, an unavailable database. Each dialect
/// registers one, so cross-cutting code answers in the surface's own shape without naming a dialect.
/// </summary>
internal interface ISurfaceErrors
{
    /// <summary>The path the surface is served under (<c>/api</c>, <c>/v1</c>).</summary>
    PathString BasePath { get; }

    /// <summary>Whether a request to this path came through the surface (the public pages have several roots).</summary>
    bool Owns(PathString path) => path.StartsWithSegments(BasePath);

    /// <summary>400 for the given fields.</summary>
    IResult Invalid(FieldErrors errors);

    /// <summary>Any other status with a human-readable message.</summary>
    IResult Status(int status, string message);
}

/// <summary>RFC 9457 problem details: for a surface that words its errors so, and for anything no surface claims.</summary>
public static class ProblemErrors
{
    public static IResult Invalid(FieldErrors errors) => TypedResults.ValidationProblem(errors, title: "Your request parameters didn't validate.");

    public static IResult Status(int status, string message) =>
        TypedResults.Problem(statusCode: status, title: ReasonPhrases.GetReasonPhrase(status), detail: message);
}

/// <summary>Finds the surface a request came through; anything unclaimed gets RFC 9457 problem details.</summary>
internal sealed class SurfaceErrors(IEnumerable<ISurfaceErrors> surfaces)
{
    private readonly ISurfaceErrors[] _surfaces = [.. surfaces];

    public IResult Invalid(HttpContext http, FieldErrors errors) =>
        For(http.Request.Path)?.Invalid(errors) ?? ProblemErrors.Invalid(errors);

    public IResult Status(HttpContext http, int status, string message) =>
        For(http.Request.Path)?.Status(status, message) ?? ProblemErrors.Status(status, message);

    /// <summary>Whether the path belongs to a registered surface, which words its own errors.</summary>
    public bool Claims(PathString path) => For(path) is not null;

    private ISurfaceErrors? For(PathString path)
    {
        foreach (var s in _surfaces) if (s.Owns(path)) return s;
        return null;
    }

    /// <summary>The message for a status raised outside a handler.</summary>
    public static string DefaultMessage(int status) => status switch
    {
        StatusCodes.Status404NotFound => "Not found: no such route.",
        StatusCodes.Status405MethodNotAllowed => "Method not allowed on this route.",
        StatusCodes.Status413PayloadTooLarge => "body: The request body is too large.",
        StatusCodes.Status415UnsupportedMediaType => "body: Unsupported content type.",
        _ => ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase + "." : "Error.",
    };
}
