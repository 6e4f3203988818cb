using Canopy.Accounts;
using Canopy.Catalog;
using Canopy.Ordering;
using Canopy.Kernel;
using Canopy.Platform;

namespace Canopy.Cnaught;

/// <summary>Quotes: priced exactly as an order with the same inputs would be; nothing is written.</summary>
internal static class CnaughtQuoteEndpoints
{
    private static readonly (string Path, Activity Activity, string Summary)[] ActivityRoutes =
    [
        ("/ride", Activity.Ride, "Quote a vehicle ride of distance_km"),
        ("/flight", Activity.Flight, "Quote a flight of distance_km (per passenger)"),
        ("/train", Activity.Train, "Quote a train journey of distance_km (per passenger)"),
        ("/air-freight", Activity.AirFreight, "Quote air freight: freight_mass_kg over distance_km"),
        ("/ground-freight", Activity.GroundFreight, "Quote ground freight: freight_mass_kg over distance_km"),
        ("/ground-transport", Activity.GroundTransport, "Quote ground transport: distance_km by vehicle_type"),
        ("/office-space", Activity.OfficeSpace, "Quote a year of office space of square_footage"),
    ];

    public static RouteGroupBuilder MapCnaughtQuotes(this RouteGroupBuilder v1)
    {
        // Quotes change nothing, but DESIGN §6 honours Idempotency-Key on any POST, so a retried quote replays too.
        var quotes = v1.MapGroup("/quotes").AddEndpointFilter<Canopy.Idempotency.IdempotencyFilter<CnaughtIdempotencyErrors>>();
        quotes.MapPost("", QuoteMassAsync).WithName("CnaughtQuote").WithSummary("Quote an amount_kg")
            .WithJsonBody<CnaughtQuoteRequest>().Produces<CnaughtQuote>();
        foreach (var (path, activity, summary) in ActivityRoutes)
        {
            quotes.MapPost(path, (HttpContext http, OrderPricer pricer, CancellationToken ct) => QuoteActivityAsync(activity, http, pricer, ct))
                .WithName("CnaughtQuote" + activity).WithSummary(summary)
                .WithJsonBody(new CnaughtActivityQuoteValidator(activity)).Produces<CnaughtQuote>();
        }
        return v1;
    }

    private static async Task<IResult> QuoteMassAsync(HttpContext http, OrderPricer pricer, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(http.Request, Json.SnakeCase, Validators<CnaughtQuoteValidator>.Instance, allowForm: false, ct);
        if (body.Value is not { } r) return CnaughtProblems.InvalidParameters(body.Errors!);
        return await QuoteAsync(http, pricer, new OrderAmount.Kilograms(r.AmountKg!.Value), "amount_kg", r.PortfolioId, ct);
    }

    private static async Task<IResult> QuoteActivityAsync(Activity activity, HttpContext http, OrderPricer pricer, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(http.Request, Json.SnakeCase, new CnaughtActivityQuoteValidator(activity), allowForm: false, ct);
        if (body.Value is not { } r) return CnaughtProblems.InvalidParameters(body.Errors!);
        var amount = new OrderAmount.ForActivity(activity, r.DistanceKm ?? 0, r.FreightMassKg ?? 0, r.VehicleType, r.SquareFootage ?? 0);
        return await QuoteAsync(http, pricer, amount, activity == Activity.OfficeSpace ? "square_footage" : "distance_km", r.PortfolioId, ct);
    }

    /// <summary>Priced by the same entry point as an order with the same inputs: same portfolio choice, same grams, same limits.</summary>
    private static async Task<IResult> QuoteAsync(HttpContext http, OrderPricer pricer, OrderAmount amount, string field, string? portfolioId, CancellationToken ct)
    {
        var selection = await SubaccountResolver.ResolveAsync(http, ct);
        if (selection.Error is not null) return selection.Error;
        var (priced, error) = await pricer.PriceAsync(new OrderCommand
        {
            Caller = http.GetCaller(),
            Dialect = Dialect.Cnaught,
            Source = portfolioId is not null ? new OrderSource.Portfolio(null, portfolioId) : new OrderSource.DefaultPortfolio(),
            Amount = amount,
            Subaccount = selection.Subaccount,
        }, PricingPurpose.Quote, ct);
        if (error is not null) return CnaughtOrderEndpoints.ToProblem(error, field, portfolioId);
        return TypedResults.Json(new CnaughtQuote(CnaughtShapes.Kg(priced!.Split.Grams), priced.PriceUsdCents), Json.SnakeCase);
    }
}
