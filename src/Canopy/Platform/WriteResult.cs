namespace Canopy.Platform;

/// <summary>
/// An expected way a capability's write does not happen. Returned, not thrown: each surface maps it to its own shape
/// (the operator API to RFC 9457 problems, a dialect to its error body, a page to its form).
/// </summary>
public abstract record WriteFailure
{
    private WriteFailure() { }

    /// <summary>The thing named does not exist (or is not the caller's to see).</summary>
    public sealed record NotFound(string What) : WriteFailure;

    /// <summary>The write clashes with what exists (an id taken, a concurrent change).</summary>
    public sealed record Conflict(string Detail) : WriteFailure;

    /// <summary>The write is not open to this caller or in this configuration (e.g. a feature the operator has not set up).</summary>
    public sealed record Forbidden(string Title, string Detail) : WriteFailure;

    /// <summary>A service the write depends on (e.g. the payment processor) cannot be reached now; retrying later may work.</summary>
    public sealed record Unavailable(string? Detail) : WriteFailure;

    /// <summary>The command breaks a rule; keys are the request's field names (snake_case, as on every wire).</summary>
    public sealed record Invalid(FieldErrors Errors) : WriteFailure
    {
        public Invalid(string field, string message) : this(new FieldErrors(field, message)) { }
    }
}

/// <summary>What a capability's write gave back: the value, or the <see cref="WriteFailure"/> that stopped it.</summary>
public readonly record struct WriteResult<T>
{
    private WriteResult(T? value, WriteFailure? failure) => (Value, Failure) = (value, failure);

    public T? Value { get; }

    public WriteFailure? Failure { get; }

    public static implicit operator WriteResult<T>(T value) => new(value, null);

    public static implicit operator WriteResult<T>(WriteFailure failure) => new(default, failure);
}
