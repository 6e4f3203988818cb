using Microsoft.AspNetCore.Diagnostics;

using Canopy.Kernel;

namespace Canopy.Platform;

/// <summary>
/// A request the server could not read (body over the size limit, broken framing) is the client's fault: its 4xx in
/// the error shape of the surface it came through, and no error logged with a stack trace. Everything else falls
/// through to the 500 problem details.
/// </summary>
internal sealed class ClientErrorHandler(SurfaceErrors errors) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        if (exception is not BadHttpRequestException bad) return false;
        var message = bad.StatusCode == StatusCodes.Status413PayloadTooLarge
            ? SurfaceErrors.DefaultMessage(StatusCodes.Status413PayloadTooLarge)
            : "body: The request could not be read.";
        await errors.Status(http, bad.StatusCode, message).ExecuteAsync(http);
        return true;
    }
}
