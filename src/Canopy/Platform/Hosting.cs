using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Diagnostics;
using Scalar.AspNetCore;
using Serilog;

using Canopy.Kernel;

namespace Canopy.Platform;

/// <summary>Cross-cutting service registration and pipeline pieces, so that Program.cs reads as a table of contents.</summary>
internal static class Hosting
{
    public const long MaxRequestBodyBytes = 1024 * 1024;

    public static WebApplicationBuilder AddCanopyPlatform(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
        // Default address for a developer's machine; any standard way of choosing one (urls, ASPNETCORE_URLS,
        // ASPNETCORE_HTTP_PORTS as container images set it, Kestrel endpoints) wins.
        if (builder.Configuration["urls"] is null && builder.Configuration["http_ports"] is null && builder.Configuration["https_ports"] is null
            && Environment.GetEnvironmentVariable("ASPNETCORE_URLS") is null && Environment.GetEnvironmentVariable("ASPNETCORE_HTTP_PORTS") is null
            && builder.Configuration.GetSection("Kestrel:Endpoints").GetChildren().Any() is false)
            builder.WebHost.UseUrls("http://localhost:5080");

        builder.Services.AddSerilog((services, log) =>
        {
            // Sinks registered as services (ILogEventSink) are added to the configured ones.
            log.ReadFrom.Configuration(builder.Configuration).ReadFrom.Services(services).Enrich.FromLogContext();
            // Without configured sinks (appsettings.json not found, say) still log to the console rather than nowhere.
            if (!builder.Configuration.GetSection("Serilog:WriteTo").GetChildren().Any()) log.WriteTo.Console();
        });

        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = c =>
        {
            // Never leak internals: no exception text, no stack trace.
            c.ProblemDetails.Extensions.Remove("exception");
            c.ProblemDetails.Extensions["trace_id"] = c.HttpContext.TraceIdentifier;
        });
        builder.Services.AddSingleton<SurfaceErrors>();
        builder.Services.AddExceptionHandler<ClientErrorHandler>();
        builder.Services.AddExceptionHandler<DatabaseUnavailableHandler>();
        builder.Services.ConfigureHttpJsonOptions(o => Json.Configure(o.SerializerOptions));
        builder.Services.AddOpenApi(o => o.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "Canopy API";
            doc.Info.Description = builder.Configuration["Canopy:OpenApi:Description"] ?? "Carbon-removal ordering.";
            return Task.CompletedTask;
        }).AddCanopyConventions());
        builder.Services.AddSingleton(new TagDescription("Operations", "Health checks for load balancers and orchestrators."));
        builder.Services.AddHealthChecks();
        builder.Services.AddMemoryCache();
        builder.Services.AddCanopyRateLimits(builder.Configuration);
        builder.Services.AddSingleton<ListLimiter>();
        builder.Services.AddCanopyTelemetry(builder.Configuration);
        builder.Services.AddSingleton(TimeProvider.System);
        Validation.UseWireNames();
        return builder;
    }

    public static WebApplication UseCanopyPlatform(this WebApplication app)
    {
        // Built now, not at the first list: its settings are checked at start and its gauges exist from the first scrape.
        _ = app.Services.GetRequiredService<ListLimiter>();
        app.UseCanopyForwardedHeaders();
        // Outermost (after the client address is known), so that it logs the status the client got (a refused 413 is not an error of ours).
        app.UseSerilogRequestLogging();
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // A body over the size limit or an unreadable request is the client's fault: 4xx, not 500.
            StatusCodeSelector = ex => ex is BadHttpRequestException bad ? bad.StatusCode
                : DatabaseUnavailableHandler.IsUnavailable(ex) ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError,
            SuppressDiagnosticsCallback = c => c.Exception is BadHttpRequestException || DatabaseUnavailableHandler.IsUnavailable(c.Exception),
        });
        app.UseStatusCodePages(WriteStatusAsync);
        app.UseCanopyRateLimits();
        app.UseMiddleware<TextGuard>();
        return app;
    }

    /// <summary>
    /// A 4xx/5xx without a body (an unrouted path, a wrong method): in the error shape of the surface that claims the path,
    /// problem details elsewhere.
    /// </summary>
    private static async Task WriteStatusAsync(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var status = http.Response.StatusCode;
        var errors = http.RequestServices.GetRequiredService<SurfaceErrors>();
        if (errors.Claims(http.Request.Path))
        {
            await errors.Status(http, status, SurfaceErrors.DefaultMessage(status)).ExecuteAsync(http);
            return;
        }
        var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = { Status = status } });
    }

    public static WebApplication MapOperations(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        // The reference loads its script from Canopy itself; no fonts from Scalar's CDN, no buttons or agents that call hosted services.
        app.MapScalarApiReference("/docs", o => o.WithTitle("Canopy API").WithOpenApiRoutePattern("/openapi/{documentName}.json")
            .DisableDefaultFonts().HideClientButton().DisableTelemetry().DisableAgent().DisableMcp().HideDeveloperTools());
        // Probes for load balancers, not API for clients: left out of the OpenAPI document (see README).
        var health = app.MapGroup("/health").WithTags("Operations").ExcludeFromDescription();
        health.MapGet("/live", () => TypedResults.Text("Healthy")).WithName("HealthLive")
            .WithSummary("The process is up (no dependencies checked)");
        health.MapGet("/ready", async (HealthCheckService checks, CancellationToken ct) =>
            {
                var report = await checks.CheckHealthAsync(c => c.Tags.Contains("ready"), ct);
                var status = report.Status == HealthStatus.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
                return TypedResults.Text(report.Status.ToString(), statusCode: status);
            }).WithName("HealthReady").WithSummary("Ready to serve: the database answers (503 otherwise)");
        return app;
    }
}
