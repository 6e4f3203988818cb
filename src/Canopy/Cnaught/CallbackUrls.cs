using Canopy.Fulfilment;

namespace Canopy.Cnaught;

/// <summary>CNaught's <c>notification_config.url</c>: the callback target rules of <see cref="CallbackTargets"/>.</summary>
internal static class CallbackUrls
{
    public static bool IsAllowed(string url, IConfiguration config) => CallbackTargets.IsAllowedUrl(url, CallbackTargets.AllowPrivate(config));
}
