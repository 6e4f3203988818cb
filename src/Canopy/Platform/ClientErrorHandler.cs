using Microsoft.AspNetCore.Diagnostics;

using Canopy.Kernel;

namespace Canopy.Platform;

/// <summary>
/// A request the server could not read (body over the size limit, a media type the route does not read, broken framing) is the client's fault: its 4xx in
/// the error shape of the surface it came through, and no error logged with a stack trace. Everything else falls
/// through to the 500 problem details.
/// </summary>
internal sealed class ClientErrorHandler(SurfaceErrors errors) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        if (exception is not BadHttpRequestException bad) return false;
        var message = bad.StatusCode switch
        {
            StatusCodes.Status413PayloadTooLarge => SurfaceErrors.DefaultMessage(StatusCodes.Status413PayloadTooLarge),
            StatusCodes.Status415UnsupportedMediaType => bad.Message, // RequestBody: which media types the route reads
            _ => "body: The request could not be read.",
        };
        await errors.Status(http, bad.StatusCode, message).ExecuteAsync(http);
        return true;
    }
}
