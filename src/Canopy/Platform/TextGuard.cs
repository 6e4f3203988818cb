using System.Text;
using System.Text.Json;

using Canopy.Kernel;

namespace Canopy.Platform;

/// <summary>
/// One rule for every string that can reach the database: text columns cannot hold NUL (PostgreSQL refuses it
/// outright with 22021) nor half a surrogate pair (no UTF-8 encoding exists), so a request carrying one in its path,
/// query, headers or body is refused here with the surface's 400, before any handler or query runs. Text bodies
/// (JSON, forms) are read once, capped at <see cref="Hosting.MaxRequestBodyBytes"/> (413), and handed on from memory.
/// </summary>
internal sealed class TextGuard(RequestDelegate next, SurfaceErrors errors)
{
    public async Task InvokeAsync(HttpContext http)
    {
        var request = http.Request;
        var field = BadField(request);
        if (field is null && IsTextBody(request))
        {
            var body = await ReadCappedAsync(http);
            if (body is null)
            {
                await errors.Status(http, StatusCodes.Status413PayloadTooLarge, SurfaceErrors.DefaultMessage(413)).ExecuteAsync(http);
                return;
            }
            field = IsForm(request) ? BadFormField(body) : BadJsonField(body);
            request.Body = new MemoryStream(body, writable: false);
        }
        if (field is not null)
        {
            await errors.Invalid(http, new FieldErrors(field, $"The {field} field must not contain the NUL character (\\u0000) or an unpaired surrogate.")).ExecuteAsync(http);
            return;
        }
        await next(http);
    }

    /// <summary>NUL or an unpaired UTF-16 surrogate: text no database column can store.</summary>
    public static bool IsUnstorable(string? s)
    {
        if (s is null) return false;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '\0') return true;
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { i++; continue; }
            if (char.IsSurrogate(c)) return true;
        }
        return false;
    }

    private static string? BadField(HttpRequest request)
    {
        if (IsUnstorable(request.Path.Value)) return "path";
        foreach (var (key, values) in request.Query)
        {
            if (IsUnstorable(key)) return "query";
            foreach (var v in values) if (IsUnstorable(v)) return key;
        }
        foreach (var (key, values) in request.Headers)
            foreach (var v in values) if (IsUnstorable(v)) return key.ToLowerInvariant();
        return null;
    }

    private static bool IsForm(HttpRequest request) =>
        request.ContentType is { } ct && ct.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);

    private static bool IsTextBody(HttpRequest request)
    {
        if (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || request.ContentLength == 0) return false;
        if (IsForm(request)) return true;
        var type = request.ContentType?.Split(';')[0].Trim();
        return type is not null && (type.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || type.EndsWith("+json", StringComparison.OrdinalIgnoreCase) || type.StartsWith("text/", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>The body, or null when it is over the limit.</summary>
    private static async Task<byte[]?> ReadCappedAsync(HttpContext http)
    {
        if (http.Request.ContentLength > Hosting.MaxRequestBodyBytes) return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
            {
                if (buffer.Length + read > Hosting.MaxRequestBodyBytes) return null;
                buffer.Write(chunk, 0, read);
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null; // the server's own cap
        }
        return buffer.ToArray();
    }

    /// <summary>The form field holding %00 or a raw NUL ('%' itself is always encoded, so "%00" is never literal text).</summary>
    private static string? BadFormField(byte[] body)
    {
        var span = body.AsSpan();
        var at = span.IndexOf("%00"u8);
        var raw = span.IndexOf((byte)0);
        if (at < 0 || (raw >= 0 && raw < at)) at = raw;
        if (at < 0) return null;
        var start = span[..at].LastIndexOf((byte)'&') + 1;
        var pair = span[start..at];
        var eq = pair.IndexOf((byte)'=');
        if (eq < 0) return RequestBody.BodyField;
        var key = Uri.UnescapeDataString(Encoding.UTF8.GetString(pair[..eq]).Replace('+', ' '));
        return key.Length == 0 || IsUnstorable(key) ? RequestBody.BodyField : key;
    }

    /// <summary>The JSON property whose name or string value decodes to unstorable text (only escapes can produce it).</summary>
    private static string? BadJsonField(byte[] body)
    {
        var span = body.AsSpan();
        if (span.IndexOf((byte)0) >= 0) return RequestBody.BodyField;
        if (span.IndexOf("\\u"u8) < 0) return null;
        var reader = new Utf8JsonReader(span, new JsonReaderOptions { MaxDepth = 256, CommentHandling = JsonCommentHandling.Skip });
        string? property = null;
        try
        {
            while (reader.Read())
            {
                var isName = reader.TokenType == JsonTokenType.PropertyName;
                if (!isName && reader.TokenType != JsonTokenType.String) continue;
                if (!reader.ValueIsEscaped)
                {
                    if (isName) property = reader.GetString();
                    continue;
                }
                string text;
                try { text = reader.GetString()!; }
                catch (InvalidOperationException) { return isName ? RequestBody.BodyField : property ?? RequestBody.BodyField; } // an unpaired surrogate escape
                if (isName)
                {
                    if (IsUnstorable(text)) return RequestBody.BodyField;
                    property = text;
                }
                else if (IsUnstorable(text)) return property ?? RequestBody.BodyField;
            }
        }
        catch (JsonException)
        {
            // Malformed JSON: the handler's parser reports it.
        }
        return null;
    }
}
