using System.Globalization;
using System.Text.Json.Serialization;
using Canopy.Catalog;
using Canopy.Ordering;
using Canopy.Web;

namespace Canopy.Cnaught;

public sealed record CnaughtRetirement(string? SerialNumberRange, string? Url);

public sealed record CnaughtProjectAllocation(CnaughtProject Project, decimal AmountKg, IReadOnlyList<CnaughtRetirement> Retirements);

/// <summary>An order as CNaught shows it: every optional field present, null when unset. Ride orders add distance_km.</summary>
public sealed record CnaughtOrder(
    string Id,
    string OrderNumber,
    decimal AmountKg,
    string CreatedOn,
    string? Metadata,
    string? Description,
    long PriceUsdCents,
    [property: OneOf(typeof(OrderState))] string State,
    [property: OneOf("generic", "ride")] string Type,
    string? CallbackUrl,
    string? CertificatePublicUrl,
    string? CertificateDownloadPublicUrl,
    string? SubaccountId,
    string? CheckoutSessionId,
    IReadOnlyList<CnaughtProjectAllocation> ProjectAllocations,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? DistanceKm);

public sealed record CnaughtQuote(decimal AmountKg, long PriceUsdCents);

internal static class CnaughtShapes
{
    /// <summary>CNaught's timestamps: UTC with six fractional digits.</summary>
    public static string Timestamp(DateTime utc) =>
        DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    public static decimal Kg(long grams) => Decimals.Trim(grams / (decimal)Pricing.GramsPerKg);

    /// <summary>
    /// The order; certificate URLs start with <paramref name="publicBaseUrl"/> (<see cref="PublicUrls.Base"/>), and are null
    /// without one (a callback when <c>Canopy:PublicBaseUrl</c> is not set) or for a cancelled order.
    /// </summary>
    public static CnaughtOrder ToCnaught(Order o, string? subaccountPublicId, CatalogSnapshot catalog, string? publicBaseUrl)
    {
        var allocations = o.Allocations
            .Where(a => a.Grams > 0)
            .OrderBy(a => a.Id)
            .Select(a => new CnaughtProjectAllocation(
                catalog.Projects.TryGetValue(a.ProjectId, out var p) ? CnaughtCatalogEndpoints.ToCnaught(p) : Unknown(a.ProjectId),
                Kg(a.Grams),
                // Live retirements only: a cancelled order's grams went back to inventory.
                [.. a.Retirements.Where(r => r.ReleasedAt == null).OrderBy(r => r.Id).Select(r => new CnaughtRetirement(r.SerialNumberRange, r.RegistryUrl))]))
            .ToList();
        return new CnaughtOrder(
            o.PublicId, o.OrderNumber, Kg(o.Grams), Timestamp(o.CreatedAt), o.Metadata, o.Description, o.PriceUsdCents,
            o.State switch { OrderState.Placed => "placed", OrderState.Fulfilled => "fulfilled", OrderState.Cancelled => "cancelled" },
            o.Kind == OrderKind.Ride ? "ride" : "generic",
            o.CallbackUrl,
            // A cancelled order has no certificate to show (its page says it was cancelled).
            o.State == OrderState.Cancelled || publicBaseUrl is null ? null : publicBaseUrl + PublicUrls.CertificatePath(o.CertificateId),
            o.State == OrderState.Cancelled || publicBaseUrl is null ? null : publicBaseUrl + PublicUrls.CertificatePdfPath(o.CertificateId),
            subaccountPublicId, null, allocations,
            o.DistanceMeters is { } m ? Decimals.Trim(m / 1000m) : null);
    }

    private static CnaughtProject Unknown(long id) =>
        new(id.ToString(CultureInfo.InvariantCulture), "Unknown project", "unknown", [], null, null, null, null, null, null, null, null, null, null, [],
            null, null, null, null, null, null, null, null, [], [], null, []);
}
