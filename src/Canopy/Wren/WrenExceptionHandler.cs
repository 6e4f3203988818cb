using Microsoft.AspNetCore.Diagnostics;

namespace Canopy.Wren;

/// <summary>
/// A request the server could not read (body over the size limit, broken framing) that came through /api gets
/// Wren's <c>{"message"}</c> with the 4xx status; everything else falls through to RFC 9457 problem details.
/// </summary>
internal sealed class WrenExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        if (exception is not BadHttpRequestException bad || !http.Request.Path.StartsWithSegments("/api")) return false;
        var message = bad.StatusCode == StatusCodes.Status413PayloadTooLarge
            ? "body: The request body is too large."
            : "body: The request could not be read.";
        await WrenResults.Message(bad.StatusCode, message).ExecuteAsync(http);
        return true;
    }
}
