using System.Text;

namespace Canopy.Idempotency;

/// <summary>The exact response a request with an <c>Idempotency-Key</c> got, kept to be sent again byte for byte.</summary>
public sealed record StoredAnswer(int Status, string? ContentType, byte[] Body)
{
    /// <summary>
    /// An answer rendered before the order's statements ran, with a number only the database knows yet (the credits left
    /// after the spend) written as a marker: a random 19-digit negative number that nothing else in the
    /// body can contain. The store substitutes it in the same batch that spends the credits.
    /// </summary>
    public static string NewMarker() => (-(long)(Random.Shared.NextInt64(1_000_000_000_000_000_000, long.MaxValue))).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public StoredAnswer WithMarker(string? marker, long? value) =>
        marker is null || value is null ? this
            : this with { Body = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(Body).Replace(marker, value.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)) };

    /// <summary>Sends the answer as it was first sent.</summary>
    public IResult AsResult(bool replay) => new Sender(this, replay);

    private sealed class Sender(StoredAnswer answer, bool replay) : IResult
    {
        public async Task ExecuteAsync(HttpContext http)
        {
            http.Response.StatusCode = answer.Status;
            if (replay) http.Response.Headers["X-Idempotent-Replay"] = "true";
            if (answer.ContentType is not null) http.Response.ContentType = answer.ContentType;
            if (answer.Body.Length > 0) await http.Response.Body.WriteAsync(answer.Body, http.RequestAborted);
        }
    }

    /// <summary>Runs a result into a buffer, so that the exact bytes it sends can be stored.</summary>
    public static async Task<StoredAnswer> CaptureAsync(HttpContext http, IResult result)
    {
        var original = http.Response.Body;
        using var buffer = new MemoryStream();
        http.Response.Body = buffer;
        try
        {
            await result.ExecuteAsync(http);
        }
        finally
        {
            http.Response.Body = original;
        }
        return new StoredAnswer(http.Response.StatusCode, http.Response.ContentType, buffer.ToArray());
    }
}
