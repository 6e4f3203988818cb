using System.Net;

namespace Canopy.Cnaught;

/// <summary>
/// Callback URLs must be http(s) and, unless <c>Canopy:AllowPrivateCallbackUrls</c> is true, must not name a loopback,
/// private or link-local address (DESIGN §10). Names are checked again when a callback is delivered.
/// </summary>
internal static class CallbackUrls
{
    public static bool IsAllowed(string url, IConfiguration config)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)) return false;
        if (config.GetValue("Canopy:AllowPrivateCallbackUrls", false)) return true;
        if (uri.IsLoopback || uri.Host.Equals("localhost", StringComparison.OrdinalIgnoreCase)
            || uri.Host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase) || uri.Host.EndsWith(".internal", StringComparison.OrdinalIgnoreCase))
            return false;
        return !IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) || !IsPrivate(ip);
    }

    public static bool IsPrivate(IPAddress ip)
    {
        if (IPAddress.IsLoopback(ip) || ip.IsIPv6LinkLocal || ip.IsIPv6SiteLocal || ip.IsIPv6UniqueLocal) return true;
        if (ip.IsIPv4MappedToIPv6) ip = ip.MapToIPv4();
        var b = ip.GetAddressBytes();
        if (b.Length != 4) return ip.Equals(IPAddress.IPv6Any);
        return b[0] == 10 || b[0] == 127 || b[0] == 0 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168)
            || (b[0] == 169 && b[1] == 254) || (b[0] == 100 && b[1] is >= 64 and <= 127);
    }
}
