using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

using Canopy.Kernel;

namespace Canopy.Platform;

/// <summary>
/// OpenTelemetry: Canopy's own metrics (<see cref="CanopyMeter"/>: orders, token look-ups, outbox, fulfilment), ASP.NET
/// Core's request metrics, HttpClient's, the .NET runtime's and Npgsql's (connection pool use) — scraped by Prometheus
/// at <c>/metrics</c>; traces through ASP.NET Core, HttpClient, EF Core and Npgsql. Both also go out over OTLP when an
/// endpoint is configured (<c>Canopy:Otlp:Endpoint</c>, or the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>).
/// docs/operations.md lists every metric.
/// </summary>
internal static class Telemetry
{
    public static IServiceCollection AddCanopyTelemetry(this IServiceCollection services, IConfiguration config)
    {
        var otlp = config["Canopy:Otlp:Endpoint"] ?? config["OTEL_EXPORTER_OTLP_ENDPOINT"];
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("canopy"))
            .WithMetrics(m =>
            {
                m.AddMeter(CanopyMeter.Name)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddMeter("Npgsql")
                    .AddPrometheusExporter();
                if (!string.IsNullOrWhiteSpace(otlp)) m.AddOtlpExporter(o => o.Endpoint = new Uri(otlp));
            })
            .WithTracing(t =>
            {
                t.AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/metrics"))
                    .AddHttpClientInstrumentation()
                    .AddEntityFrameworkCoreInstrumentation()
                    .AddNpgsql();
                if (!string.IsNullOrWhiteSpace(otlp)) t.AddOtlpExporter(o => o.Endpoint = new Uri(otlp));
            });
        return services;
    }

    /// <summary>The Prometheus scrape endpoint, unauthenticated like the health checks (expose it to your scraper only).</summary>
    public static WebApplication MapCanopyMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics").WithTags("Operations").WithName("Metrics")
            .WithSummary("Metrics in the Prometheus text format (docs/operations.md lists them)");
        return app;
    }
}
