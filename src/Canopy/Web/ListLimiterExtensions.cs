namespace Canopy.Web;

internal static class ListLimiterExtensions
{
    /// <summary>Serves this route through the lists' bulkhead (<see cref="ListLimiter"/>).</summary>
    public static TBuilder AsLimitedList<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(LimitedList.Instance);

    /// <summary>After routing and the per-token limits: a marked route waits for its turn (or gets 503 when the line is full).</summary>
    public static WebApplication UseListLimiter(this WebApplication app)
    {
        app.Use(async (http, next) =>
        {
            if (http.GetEndpoint()?.Metadata.GetMetadata<LimitedList>() is null)
            {
                await next(http);
                return;
            }
            using var lease = await http.RequestServices.GetRequiredService<ListLimiter>().AcquireAsync(http.RequestAborted);
            if (!lease.IsAcquired)
            {
                http.Response.Headers.RetryAfter = "1";
                await http.RequestServices.GetRequiredService<SurfaceErrors>()
                    .Status(http, StatusCodes.Status503ServiceUnavailable, "Too many lists of orders are being served: retry after 1 s.").ExecuteAsync(http);
                return;
            }
            await next(http);
        });
        return app;
    }
}
