using Canopy.Kernel;
using Canopy.Platform;
using Microsoft.AspNetCore.Mvc;

namespace Canopy.Cnaught;

/// <summary>CNaught's problem types and titles (DESIGN §6); every CNaught error goes through here.</summary>
internal static class CnaughtProblems
{
    public const string Base = "https://api.cnaught.com/v1/errors/";

    public static IResult InvalidParameters(FieldErrors errors) => Problem(400, "invalid-parameters",
        "Your request parameters didn't validate", null, errors);

    public static IResult InvalidParameters(string field, string message) => InvalidParameters(new FieldErrors(field, message));

    public static IResult InvalidPagination(string detail) => Problem(400, "invalid-pagination", "Invalid pagination parameters", detail);

    public static IResult InvalidSubaccount(string detail) => Problem(400, "invalid-subaccount", "Invalid subaccount", detail);

    public static IResult NotFound(string title, string? detail = null) => Problem(404, "not-found", title, detail);

    public static IResult Forbidden(string title, string? detail = null) => Problem(403, "forbidden", title, detail);

    /// <summary>The payment processor failed or did not answer: nothing was written; the client may retry.</summary>
    public static IResult Unavailable(string detail) => Problem(503, "service-unavailable", "Payment processor unavailable", detail);

    public static IResult IdempotencyChangedPayload() => Problem(422, "idempotency-changed-payload",
        "Previous request submitted with same idempotency key had different payload", null);

    public static IResult IdempotencyConcurrent() => Problem(409, "idempotency-concurrent-requests",
        "Concurrent requests submitted with same idempotency key", null);

    public static IResult IdempotencyKeyTooLong() => Problem(400, "idempotency-key-too-long",
        "Idempotency key too long", "Idempotency-Key must be at most 512 characters.");

    /// <summary>
    /// Statuses raised outside a handler (unrouted path, wrong method, body too large, throttled, database down), each
    /// with a type under CNaught's error base so that clients can switch on it as on every other CNaught error.
    /// </summary>
    public static IResult ForStatus(int status, string message) => status switch
    {
        404 => Problem(404, "not-found", "Not found", message),
        405 => Problem(405, "method-not-allowed", "Method not allowed", message),
        413 => Problem(413, "payload-too-large", "Request body too large", message),
        415 => Problem(415, "unsupported-media-type", "Unsupported media type", message),
        429 => Problem(429, "too-many-requests", "Too Many Requests", message),
        503 => Problem(503, "service-unavailable", "Service unavailable", message),
        _ => Problem(status, "error", Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status), message),
    };

    public static IResult Unauthorized() => TypedResults.Problem(new ProblemDetails
    {
        Status = 401,
        Title = "Unauthorized",
        Type = "https://tools.ietf.org/html/rfc9110#section-15.5.2",
        Detail = "Send your API key as 'Authorization: Bearer KEY'.",
    });

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Problem(int status, string type, string title, string? detail, FieldErrors? errors = null)
    {
        var problem = errors is null ? new ProblemDetails() : new ValidationProblemDetails(errors);
        problem.Status = status;
        problem.Type = Base + type;
        problem.Title = title;
        problem.Detail = detail;
        return TypedResults.Problem(problem);
    }
}

internal sealed class CnaughtIdempotencyErrors : Canopy.Idempotency.IIdempotencyErrors
{
    public IResult KeyTooLong() => CnaughtProblems.IdempotencyKeyTooLong();
    public IResult Concurrent() => CnaughtProblems.IdempotencyConcurrent();
    public IResult ChangedPayload() => CnaughtProblems.IdempotencyChangedPayload();
    public bool Records(Canopy.Accounts.Caller caller) => true;
}
