using System.Net;

namespace Canopy.Fulfilment;

/// <summary><c>Callbacks</c>: how order callbacks are delivered.</summary>
public sealed class CallbackOptions
{
    /// <summary>Deliver to loopback, private and link-local addresses (development and tests only).</summary>
    public bool AllowPrivateTargets { get; set; }
    /// <summary>How long one delivery may take, connection included.</summary>
    public int TimeoutSeconds { get; set; } = 10;
    /// <summary>How many deliveries one node makes at once to one receiver (scheme, host and port); more wait their turn.</summary>
    public int MaxPerTarget { get; set; } = 4;
}

/// <summary>
/// Counts the deliveries in flight per receiver on this node, so that a slow or dead receiver holds at most
/// <see cref="CallbackOptions.MaxPerTarget"/> of the worker's slots; its other callbacks step back and wait their turn.
/// </summary>
public sealed class CallbackGate
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _inFlight = new(StringComparer.OrdinalIgnoreCase);

    public bool TryEnter(string target, int limit)
    {
        while (true)
        {
            var now = _inFlight.GetOrAdd(target, 0);
            if (now >= limit) return false;
            if (_inFlight.TryUpdate(target, now + 1, now)) return true;
        }
    }

    public void Exit(string target)
    {
        while (true)
        {
            var now = _inFlight.GetOrAdd(target, 1);
            if (_inFlight.TryUpdate(target, Math.Max(0, now - 1), now)) return;
        }
    }
}

/// <summary>
/// Callback targets must be http(s) and, unless <c>Callbacks:AllowPrivateTargets</c> is true, must not be loopback,
/// private or link-local (DESIGN §10): checked on the URL when an order is placed, and on the address actually
/// connected to when a callback is delivered (so a name that resolves to a private address is refused too).
/// </summary>
public static class CallbackTargets
{
    /// <summary><c>Callbacks:AllowPrivateTargets</c>, or its older name <c>Canopy:AllowPrivateCallbackUrls</c>.</summary>
    public static bool AllowPrivate(IConfiguration config) =>
        config.GetValue("Callbacks:AllowPrivateTargets", false) || config.GetValue("Canopy:AllowPrivateCallbackUrls", false);

    public static bool IsAllowedUrl(string url, bool allowPrivate)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)) return false;
        if (allowPrivate) return true;
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
