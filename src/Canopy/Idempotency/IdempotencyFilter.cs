using System.Security.Cryptography;
using System.Text;
using Canopy.Accounts;
using Canopy.Data;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Idempotency;

/// <summary>How a dialect words the idempotency failures.</summary>
public interface IIdempotencyErrors
{
    IResult KeyTooLong();
    IResult Concurrent();
    IResult ChangedPayload();
    /// <summary>Whether this caller's requests are recorded at all (Wren test tokens never write).</summary>
    bool Records(Caller caller);
}

/// <summary>
/// <c>Idempotency-Key</c> on a POST (DESIGN §6): the first request claims the key before doing the work; a
/// concurrent one with the same key gets 409 at once; a different payload 422; a finished one is replayed
/// with its stored status and body and <c>X-Idempotent-Replay: true</c>. Server errors release the key so
/// that the client can retry. Runs after the dialect's authentication filter.
/// </summary>
internal sealed class IdempotencyFilter<TErrors>(CanopyDbContext db, TimeProvider time, ILogger<IdempotencyFilter<TErrors>> logger) : IEndpointFilter
    where TErrors : IIdempotencyErrors, new()
{
    public const string Header = "Idempotency-Key";
    public const int MaxKeyLength = 512;
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);
    private static readonly TErrors Errors = new();

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!http.Request.Headers.TryGetValue(Header, out var values) || string.IsNullOrEmpty(values.ToString()))
            return await next(context);
        var key = values.ToString();
        if (key.Length > MaxKeyLength) return Errors.KeyTooLong();
        var caller = http.GetCaller();
        if (!Errors.Records(caller)) return await next(context);

        var ct = http.RequestAborted;
        var fingerprint = await FingerprintAsync(http.Request, ct);
        var now = time.GetUtcNow().UtcDateTime;

        var claim = new IdempotencyRecord
        {
            AccountId = caller.AccountId, Mode = caller.Mode, Key = key, Fingerprint = fingerprint,
            CreatedAt = now, ExpiresAt = now + Lifetime,
        };
        if (!await TryClaimAsync(claim, ct))
        {
            var existing = await db.IdempotencyRecords.AsNoTracking()
                .FirstOrDefaultAsync(r => r.AccountId == caller.AccountId && r.Mode == caller.Mode && r.Key == key, ct);
            if (existing is null || existing.ExpiresAt <= now)
            {
                // Expired (or released while we looked): take the key over.
                await db.IdempotencyRecords.Where(r => r.AccountId == caller.AccountId && r.Mode == caller.Mode && r.Key == key && r.ExpiresAt <= now)
                    .ExecuteDeleteAsync(ct);
                if (!await TryClaimAsync(claim, ct)) return Errors.Concurrent();
            }
            else if (existing.Fingerprint != fingerprint) return Errors.ChangedPayload();
            else if (!existing.Completed) return Errors.Concurrent();
            else return new Replay(existing);
        }

        object? result;
        try
        {
            result = await next(context);
        }
        catch
        {
            await ReleaseAsync(claim.Id);
            throw;
        }

        // Run the result into a buffer so the exact bytes sent can be stored and replayed.
        var original = http.Response.Body;
        using var buffer = new MemoryStream();
        http.Response.Body = buffer;
        try
        {
            if (result is IResult r) await r.ExecuteAsync(http);
            else if (result is not null) await http.Response.WriteAsJsonAsync(result, ct);
        }
        catch
        {
            await ReleaseAsync(claim.Id);
            throw;
        }
        finally
        {
            http.Response.Body = original;
        }

        var status = http.Response.StatusCode;
        if (status >= 500)
        {
            await ReleaseAsync(claim.Id);
        }
        else
        {
            await db.IdempotencyRecords.Where(x => x.Id == claim.Id).ExecuteUpdateAsync(s => s
                .SetProperty(x => x.Completed, true)
                .SetProperty(x => x.ResponseStatus, status)
                .SetProperty(x => x.ResponseContentType, http.Response.ContentType)
                .SetProperty(x => x.ResponseBody, buffer.ToArray()), CancellationToken.None);
        }
        buffer.Position = 0;
        await buffer.CopyToAsync(original, ct);
        return Results.Empty;
    }

    /// <summary>
    /// Inserts the claim in its own statement; false when the key is already claimed. ON CONFLICT DO NOTHING makes a
    /// taken key an answer rather than a failed INSERT, which EF Core would log as a database error on every replay.
    /// </summary>
    private async Task<bool> TryClaimAsync(IdempotencyRecord claim, CancellationToken ct)
    {
        var ids = await db.Database.SqlQuery<long>($"""
            INSERT INTO "idempotency_records" ("account_id", "mode", "key", "fingerprint", "completed", "created_at", "expires_at")
            VALUES ({claim.AccountId}, {(int)claim.Mode}, {claim.Key}, {claim.Fingerprint}, {false}, {claim.CreatedAt}, {claim.ExpiresAt})
            ON CONFLICT ("account_id", "mode", "key") DO NOTHING
            RETURNING "id" AS "Value"
            """).ToListAsync(ct);
        if (ids.Count == 0) return false;
        claim.Id = ids[0];
        return true;
    }

    private async Task ReleaseAsync(long id)
    {
        try
        {
            db.ChangeTracker.Clear();
            await db.IdempotencyRecords.Where(x => x.Id == id).ExecuteDeleteAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Could not release idempotency key {RecordId}; it stays claimed until it expires", id);
        }
    }

    private static async Task<string> FingerprintAsync(HttpRequest request, CancellationToken ct)
    {
        request.EnableBuffering();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        // The media type only: a client that adds or drops "; charset=utf-8" on a retry sends the same request.
        var mediaType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.Path}\n{request.Headers["X-Subaccount-Id"]}\n{mediaType}\n"));
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0) hash.AppendData(chunk, 0, read);
        request.Body.Position = 0;
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The stored answer, sent again.</summary>
    private sealed class Replay(IdempotencyRecord record) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = record.ResponseStatus ?? 200;
            http.Response.Headers["X-Idempotent-Replay"] = "true";
            if (record.ResponseContentType is not null) http.Response.ContentType = record.ResponseContentType;
            if (record.ResponseBody is { Length: > 0 } body) await http.Response.Body.WriteAsync(body, http.RequestAborted);
        }
    }
}
