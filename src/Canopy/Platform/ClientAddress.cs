using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

using Canopy.Kernel;

namespace Canopy.Platform;

/// <summary>
/// The client's address for rate limits and logs. Behind a reverse proxy or load balancer, list its addresses in
/// <c>Canopy:KnownProxies</c> (comma-separated IPs) or its networks in <c>Canopy:KnownNetworks</c> (CIDR): then
/// <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> from those peers are honoured, and from nobody else (a client
/// cannot pick its own address). With neither configured the headers are ignored.
/// </summary>
internal static class ClientAddress
{
    public static IServiceCollection AddCanopyForwardedHeaders(this IServiceCollection services, IConfiguration config)
    {
        var proxies = Values(config, "Canopy:KnownProxies");
        var networks = Values(config, "Canopy:KnownNetworks");
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var p in proxies)
                o.KnownProxies.Add(IPAddress.TryParse(p, out var ip) ? ip : throw new InvalidOperationException($"Canopy:KnownProxies: '{p}' is not an IP address."));
            foreach (var n in networks)
                o.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(n, out var net) ? net : throw new InvalidOperationException($"Canopy:KnownNetworks: '{n}' is not a CIDR network."));
            // One proxy hop per configured layer is the usual set-up; the limit guards against forged chains.
            o.ForwardLimit = 1;
        });
        return services;
    }

    /// <summary>Honours forwarded headers only when a proxy is configured.</summary>
    public static WebApplication UseCanopyForwardedHeaders(this WebApplication app)
    {
        var config = app.Configuration;
        if (Values(config, "Canopy:KnownProxies").Length > 0 || Values(config, "Canopy:KnownNetworks").Length > 0)
            app.UseForwardedHeaders();
        return app;
    }

    public static string Of(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>A list given as one comma-separated value (environment variables) or as an array (appsettings.json).</summary>
    private static string[] Values(IConfiguration config, string key)
    {
        var section = config.GetSection(key);
        var items = section.GetChildren().Select(c => c.Value).Append(section.Value);
        return [.. items.SelectMany(v => v?.Split([',', ';', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [])];
    }
}
