using Canopy.Accounts;

namespace Canopy.Idempotency;

/// <summary>
/// The idempotency steps an order endpoint takes around the ordering core: read the key (before the body), and store an
/// answer that did not come out of the order's own transaction (a refusal, a preview), or send what the key already stands for.
/// </summary>
public static class IdempotentAnswers
{
    /// <summary>The request's claim (null without a key, or for callers whose keys are not recorded), or the dialect's error for a key too long.</summary>
    public static async Task<(IdempotencyClaim? Claim, IResult? Error)> ClaimAsync(HttpContext http, IIdempotencyErrors errors)
    {
        var caller = http.GetCaller();
        // Wren test tokens record nothing, but an overlong key is refused for them too.
        if (!errors.Records(caller)) return (null, IdempotencyClaim.KeyTooLong(http) ? errors.KeyTooLong() : null);
        var time = http.RequestServices.GetRequiredService<TimeProvider>();
        var (claim, tooLong) = await IdempotencyClaim.ReadAsync(http, caller, time, http.RequestAborted);
        return tooLong ? (null, errors.KeyTooLong()) : (claim, null);
    }

    /// <summary>Stores <paramref name="result"/> under the claim and sends it; if the key is taken meanwhile, answers as the key says.</summary>
    public static async Task<IResult> FinishAsync(HttpContext http, IdempotencyClaim? claim, IResult result, IIdempotencyErrors errors)
    {
        if (claim is null) return result;
        var answer = await StoredAnswer.CaptureAsync(http, result);
        // A server-side failure (e.g. the payment processor unavailable) is not the key's answer: the client retries with the key.
        if (answer.Status >= 500) return answer.AsResult(replay: false);
        var store = http.RequestServices.GetRequiredService<IdempotencyStore>();
        return await store.StoreAsync(claim, answer, CancellationToken.None) switch
        {
            ClaimState.Finished f => f.Answer.AsResult(replay: true),
            ClaimState.Reused => errors.ChangedPayload(),
            ClaimState.InUse => errors.Concurrent(),
            null => answer.AsResult(replay: false),
            _ => throw new System.Diagnostics.UnreachableException("StoreAsync answers stored (null), Finished, Reused or InUse."),
        };
    }
}
