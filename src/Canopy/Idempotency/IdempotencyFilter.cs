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
/// <c>Idempotency-Key</c> on POSTs other than orders (DESIGN §6): the first request claims the key before doing the work; a
/// concurrent one with the same key gets 409 at once; a different payload 422; a finished one is replayed with its stored
/// status and body and <c>X-Idempotent-Replay: true</c>. Server errors release the key so that the client can retry.
/// Orders do not use this filter: their claim and answer commit in the order's own transaction (OrderService).
/// </summary>
internal sealed class IdempotencyFilter<TErrors>(CanopyDbContext db, IdempotencyStore store, TimeProvider time, ILogger<IdempotencyFilter<TErrors>> logger) : IEndpointFilter
    where TErrors : IIdempotencyErrors, new()
{
    private static readonly TErrors Errors = new();

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (!http.Request.Headers.ContainsKey(IdempotencyClaim.Header)) return await next(context);
        var caller = http.GetCaller();
        // Wren test tokens record nothing, but an overlong key is refused for them as on every other route.
        if (!Errors.Records(caller)) return IdempotencyClaim.KeyTooLong(http) ? Errors.KeyTooLong() : await next(context);
        var ct = http.RequestAborted;
        var (claim, tooLong) = await IdempotencyClaim.ReadAsync(http, caller, time, ct);
        if (tooLong) return Errors.KeyTooLong();
        if (claim is null) return await next(context);

        var id = await TryClaimAsync(claim, ct);
        if (id is null)
        {
            switch (await store.InspectAsync(claim, ct))
            {
                case ClaimState.Finished f: return f.Answer.AsResult(replay: true);
                case ClaimState.Reused: return Errors.ChangedPayload();
                case ClaimState.InUse: return Errors.Concurrent();
            }
            // Expired and removed meanwhile: claim it now.
            id = await TryClaimAsync(claim, ct);
            if (id is null) return Errors.Concurrent();
        }

        StoredAnswer answer;
        try
        {
            var result = await next(context);
            answer = await StoredAnswer.CaptureAsync(http, result as IResult ?? (result is null ? Results.Empty : TypedResults.Json(result)));
        }
        catch
        {
            await ReleaseAsync(id.Value);
            throw;
        }

        if (answer.Status >= 500)
        {
            await ReleaseAsync(id.Value);
        }
        else
        {
            await db.IdempotencyRecords.Where(x => x.Id == id.Value).ExecuteUpdateAsync(s => s
                .SetProperty(x => x.Completed, true)
                .SetProperty(x => x.ResponseStatus, answer.Status)
                .SetProperty(x => x.ResponseContentType, answer.ContentType)
                .SetProperty(x => x.ResponseBody, answer.Body), CancellationToken.None);
        }
        return answer.AsResult(replay: false);
    }

    /// <summary>
    /// Inserts the claim in its own statement; null when the key is already claimed. ON CONFLICT DO NOTHING makes a
    /// taken key an answer rather than a failed INSERT, which EF Core would log as a database error on every replay.
    /// </summary>
    private async Task<long?> TryClaimAsync(IdempotencyClaim claim, CancellationToken ct)
    {
        var ids = await db.Database.SqlQuery<long>($"""
            INSERT INTO "idempotency_records" ("account_id", "mode", "key", "fingerprint", "completed", "created_at", "expires_at")
            VALUES ({claim.AccountId}, {(int)claim.Mode}, {claim.Key}, {claim.Fingerprint}, {false}, {claim.CreatedAt}, {claim.ExpiresAt})
            ON CONFLICT ("account_id", "mode", "key") DO NOTHING
            RETURNING "id" AS "Value"
            """).ToListAsync(ct);
        return ids.Count == 0 ? null : ids[0];
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
}
