using Canopy.Accounts;
using Canopy.Catalog;
using Canopy.Data;
using Canopy.Ordering;
using Canopy.Web;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

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
            quotes.MapPost(path, (HttpContext http, CanopyDbContext db, CatalogCache catalog, IOptionsSnapshot<EmissionFactors> factors, CancellationToken ct) =>
                    QuoteActivityAsync(activity, http, db, catalog, factors.Value, ct))
                .WithName("CnaughtQuote" + activity).WithSummary(summary)
                .WithJsonBody(new CnaughtActivityQuoteValidator(activity)).Produces<CnaughtQuote>();
        }
        return v1;
    }

    private static async Task<IResult> QuoteMassAsync(HttpContext http, CanopyDbContext db, CatalogCache catalog, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(http.Request, Json.SnakeCase, new CnaughtQuoteValidator(), allowForm: false, ct);
        if (body.Value is not { } r) return CnaughtProblems.InvalidParameters(body.Errors!);
        var grams = (long)decimal.Round(r.AmountKg!.Value * Pricing.GramsPerKg, MidpointRounding.AwayFromZero);
        return await QuoteAsync(http, db, catalog, grams, r.PortfolioId, ct);
    }

    private static async Task<IResult> QuoteActivityAsync(Activity activity, HttpContext http, CanopyDbContext db, CatalogCache catalog, EmissionFactors factors, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(http.Request, Json.SnakeCase, new CnaughtActivityQuoteValidator(activity), allowForm: false, ct);
        if (body.Value is not { } r) return CnaughtProblems.InvalidParameters(body.Errors!);
        var rideFactor = await db.Accounts.Where(a => a.Id == http.GetCaller().AccountId).Select(a => a.RideGramsPerKm).FirstAsync(ct);
        var grams = Emissions.Grams(factors.ForAccount(rideFactor), activity, r.DistanceKm ?? 0, r.FreightMassKg ?? 0, r.VehicleType, r.SquareFootage ?? 0);
        if (grams > Pricing.MaxGrams) return CnaughtProblems.InvalidParameters(activity == Activity.OfficeSpace ? "square_footage" : "distance_km", "The activity is too large to offset in one order.");
        return await QuoteAsync(http, db, catalog, grams, r.PortfolioId, ct);
    }

    private static async Task<IResult> QuoteAsync(HttpContext http, CanopyDbContext db, CatalogCache catalog, long grams, string? portfolioId, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var selection = await SubaccountResolver.ResolveAsync(http, db, ct);
        if (selection.Error is not null) return selection.Error;
        var snapshot = await catalog.GetAsync(ct);
        var accountDefault = await db.Accounts.Where(a => a.Id == caller.AccountId).Select(a => a.DefaultPortfolioId).FirstAsync(ct);
        var portfolio = CnaughtOrderEndpoints.ResolvePortfolio(snapshot, portfolioId, selection.Subaccount?.DefaultPortfolioId, accountDefault);
        if (portfolio is null)
            return CnaughtProblems.Forbidden("Requested portfolio not available", portfolioId is null ? "No default portfolio is configured." : $"Portfolio '{portfolioId}' is not available to this account.");
        var split = Pricing.ForGrams(CatalogSnapshot.SharesOf(portfolio), grams);
        return TypedResults.Json(new CnaughtQuote(CnaughtShapes.Kg(grams), split.Cents), Json.SnakeCase);
    }
}
