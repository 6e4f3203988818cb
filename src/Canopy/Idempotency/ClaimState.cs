namespace Canopy.Idempotency;

/// <summary>What an <c>Idempotency-Key</c> already stands for when a request tries to claim it.</summary>
public abstract record ClaimState
{
    /// <summary>Nobody holds the key (or its record expired and was removed): the request may claim it.</summary>
    public sealed record Free : ClaimState;
    /// <summary>The key's request finished with this answer.</summary>
    public sealed record Finished(StoredAnswer Answer) : ClaimState;
    /// <summary>Another request with the key is still running.</summary>
    public sealed record InUse : ClaimState;
    /// <summary>The key was used for a different request.</summary>
    public sealed record Reused : ClaimState;
}
