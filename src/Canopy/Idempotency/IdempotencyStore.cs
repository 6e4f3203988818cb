using Canopy.Data;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Idempotency;

/// <summary>
/// Idempotency records outside an order's own transaction: looking up what a taken key stands for, and storing answers
/// that wrote nothing else (validation errors, refusals, previews). An order's claim and answer are written by the order
/// store in the order's transaction instead.
/// </summary>
public sealed class IdempotencyStore(CanopyDbContext db, TimeProvider time)
{
    /// <summary>What the key stands for now; an expired record is deleted and the key reported free.</summary>
    public async Task<ClaimState> InspectAsync(IdempotencyClaim claim, CancellationToken ct)
    {
        var existing = await db.IdempotencyRecords.AsNoTracking()
            .FirstOrDefaultAsync(r => r.AccountId == claim.AccountId && r.Mode == claim.Mode && r.Key == claim.Key, ct);
        var now = time.GetUtcNow().UtcDateTime;
        if (existing is null) return new ClaimState.Free();
        if (existing.ExpiresAt <= now)
        {
            await db.IdempotencyRecords.Where(r => r.Id == existing.Id && r.ExpiresAt <= now).ExecuteDeleteAsync(ct);
            return new ClaimState.Free();
        }
        if (existing.Fingerprint != claim.Fingerprint) return new ClaimState.Reused();
        if (!existing.Completed) return new ClaimState.InUse();
        return new ClaimState.Finished(new StoredAnswer(existing.ResponseStatus ?? 200, existing.ResponseContentType, existing.ResponseBody ?? []));
    }

    /// <summary>
    /// Stores a finished answer under the key in one short transaction and returns null. When the key is taken, returns
    /// what it stands for instead (the caller then sends that). On PostgreSQL a key held by a running order is seen at once through its
    /// advisory lock rather than by waiting for that order's commit.
    /// </summary>
    public async Task<ClaimState?> StoreAsync(IdempotencyClaim claim, StoredAnswer answer, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 2; attempt++)
        {
            bool inserted;
            await using (var tx = await db.Database.BeginTransactionAsync(ct))
            {
                if (db.IsPostgres)
                {
                    var locked = await db.Database.SqlQuery<bool>($"SELECT pg_try_advisory_xact_lock({claim.LockId}) AS \"Value\"").SingleAsync(ct);
                    if (!locked) return new ClaimState.InUse();
                }
                var ids = await db.Database.SqlQuery<long>($"""
                    INSERT INTO idempotency_records (account_id, mode, key, fingerprint, completed, response_status, response_content_type, response_body, created_at, expires_at)
                    VALUES ({claim.AccountId}, {(int)claim.Mode}, {claim.Key}, {claim.Fingerprint}, {true}, {answer.Status}, {answer.ContentType}, {answer.Body}, {claim.CreatedAt}, {claim.ExpiresAt})
                    ON CONFLICT (account_id, mode, key) DO NOTHING
                    RETURNING id AS "Value"
                    """).ToListAsync(ct);
                inserted = ids.Count > 0;
                await tx.CommitAsync(CancellationToken.None);
            }
            if (inserted) return null;
            var state = await InspectAsync(claim, ct);
            if (state is not ClaimState.Free) return state;
        }
        return new ClaimState.InUse();
    }
}
