using Canopy.Kernel;
using Canopy.Platform;

namespace Canopy.Wren;

/// <summary>Wren's error shape: <c>{"message": "…"}</c> with the status code.</summary>
public sealed record WrenMessage(string Message);

internal static class WrenResults
{
    public static IResult Message(int status, string message) => TypedResults.Json(new WrenMessage(message), Json.SnakeCase, statusCode: status);

    public static IResult Invalid(FieldErrors errors) => Message(StatusCodes.Status400BadRequest, errors.Summary());
}

/// <summary>Wren's words for idempotency failures; Wren test tokens never write, so their keys are not recorded.</summary>
internal sealed class WrenIdempotencyErrors : Canopy.Idempotency.IIdempotencyErrors
{
    public IResult KeyTooLong() => WrenResults.Message(400, "Idempotency-Key must be at most 512 characters.");
    public IResult Concurrent() => WrenResults.Message(409, "A request with this Idempotency-Key is still being processed; retry later.");
    public IResult ChangedPayload() => WrenResults.Message(422, "Previous request submitted with same idempotency key had different payload.");
    public bool Records(Canopy.Accounts.Caller caller) => !caller.IsTest;
}
