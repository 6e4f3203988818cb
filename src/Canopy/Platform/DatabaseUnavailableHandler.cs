using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

using Canopy.Kernel;

namespace Canopy.Platform;

/// <summary>
/// The database is down, restarting, or out of connections: 503 with <c>Retry-After</c> in the surface's error shape,
/// at once, instead of a 500. Nothing was committed (each use case is one transaction), so the client may retry; with
/// an <c>Idempotency-Key</c> the retry is safe in any case. Npgsql reconnects by itself when the server is back.
/// </summary>
internal sealed class DatabaseUnavailableHandler(SurfaceErrors errors, ILogger<DatabaseUnavailableHandler> logger) : IExceptionHandler
{
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        if (!IsUnavailable(exception)) return false;
        // One line, no stack trace: during an outage every request lands here.
        logger.LogWarning("Database unavailable for {Method} {Path}: {Reason}", http.Request.Method, http.Request.Path, Innermost(exception).Message);
        http.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await errors.Status(http, StatusCodes.Status503ServiceUnavailable,
            $"The service is temporarily unavailable (database); retry after {RetryAfterSeconds} s.").ExecuteAsync(http);
        return true;
    }

    public static bool IsUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is NpgsqlException { IsTransient: true } or SocketException) return true;
            // Waiting for a pooled connection timed out, or the server went away mid-command.
            if (e is NpgsqlException && e.InnerException is TimeoutException or IOException or EndOfStreamException) return true;
            if (e is InvalidOperationException && e.Message.Contains("connection pool", StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }
}
