using System.Text;

using Canopy.Kernel;

namespace Canopy.Platform;

/// <summary>Reads the secret from an Authorization header.</summary>
internal static class BearerToken
{
    /// <summary>
    /// <c>Bearer SECRET</c>, or (when <paramref name="allowBasic"/>) <c>Basic base64(SECRET:)</c> as Wren's curl examples send it.
    /// Returns null when there is no Authorization header; an empty string when there is one that cannot be read.
    /// </summary>
    public static string? Read(HttpRequest request, bool allowBasic)
    {
        var header = request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header)) return null;
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return header[7..].Trim();
        if (allowBasic && header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            Span<byte> buffer = stackalloc byte[512];
            if (!Convert.TryFromBase64String(header[6..].Trim(), buffer, out var written)) return "";
            var pair = Encoding.UTF8.GetString(buffer[..written]);
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? pair : pair[..colon];
        }
        return "";
    }
}
