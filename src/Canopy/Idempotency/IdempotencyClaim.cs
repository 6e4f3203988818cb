using System.Security.Cryptography;
using System.Text;
using Canopy.Accounts;

namespace Canopy.Idempotency;

/// <summary>
/// A request's claim on an <c>Idempotency-Key</c>: whose key, which key, and the fingerprint of the request (method, path,
/// subaccount, media type, body) that a retry must match.
/// </summary>
public sealed record IdempotencyClaim(long AccountId, TokenMode Mode, string Key, string Fingerprint, DateTime CreatedAt, DateTime ExpiresAt)
{
    public const string Header = "Idempotency-Key";
    public const int MaxKeyLength = 512;
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    /// <summary>A 64-bit lock id for this key (PostgreSQL advisory locks): a collision only makes two keys wait on each other.</summary>
    public long LockId => System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes($"{AccountId}:{(int)Mode}:{Key}")));

    /// <summary>
    /// Reads the header: no key → (null, false); a key over <see cref="MaxKeyLength"/> → (null, true); else the claim, with
    /// the request fingerprinted (the body is buffered and rewound so the endpoint can still read it).
    /// </summary>
    /// <summary>Whether the request's key is over <see cref="MaxKeyLength"/> (refused even where keys are not recorded).</summary>
    public static bool KeyTooLong(HttpContext http) => http.Request.Headers[Header].ToString().Length > MaxKeyLength;

    public static async Task<(IdempotencyClaim? Claim, bool TooLong)> ReadAsync(HttpContext http, Caller caller, TimeProvider time, CancellationToken ct)
    {
        if (!http.Request.Headers.TryGetValue(Header, out var values) || string.IsNullOrEmpty(values.ToString())) return (null, false);
        var key = values.ToString();
        if (key.Length > MaxKeyLength) return (null, true);
        var fingerprint = await FingerprintAsync(http.Request, ct);
        var now = time.GetUtcNow().UtcDateTime;
        return (new IdempotencyClaim(caller.AccountId, caller.Mode, key, fingerprint, now, now + Lifetime), false);
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
}
