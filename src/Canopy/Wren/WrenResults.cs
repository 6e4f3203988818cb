using Canopy.Web;

namespace Canopy.Wren;

/// <summary>Wren's error shape: <c>{"message": "…"}</c> with the status code.</summary>
public sealed record WrenMessage(string Message);

internal static class WrenResults
{
    public static IResult Message(int status, string message) => TypedResults.Json(new WrenMessage(message), Json.SnakeCase, statusCode: status);

    public static IResult Invalid(FieldErrors errors) => Message(StatusCodes.Status400BadRequest, errors.Summary());
}
