using System.Globalization;
using System.Text.Json.Serialization;
using Canopy.Catalog;
using Canopy.Ordering;
using Canopy.Kernel;
using Canopy.Platform;

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
    public static decimal Kg(long grams) => Mass.Kg(grams);

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
                ProjectOf(catalog, a.ProjectId),
                Kg(a.Grams),
                // Live retirements only: a cancelled order's grams went back to inventory.
                [.. a.Retirements.Where(r => r.ReleasedAt == null).OrderBy(r => r.Id).Select(r => new CnaughtRetirement(r.SerialNumberRange, r.RegistryUrl))]))
            .ToList();
        return new CnaughtOrder(
            o.PublicId, o.OrderNumber, Kg(o.Grams), Json.Timestamp(o.CreatedAt), o.Metadata, o.Description, o.PriceUsdCents,
            StateName(o.State), TypeName(o.Kind), o.CallbackUrl,
            CertificateUrl(o.State, o.CertificateId, publicBaseUrl), CertificatePdfUrl(o.State, o.CertificateId, publicBaseUrl),
            subaccountPublicId, o.CheckoutSessionId, allocations, DistanceKm(o.DistanceMeters));
    }

    public static string StateName(OrderState state) =>
        state switch { OrderState.Placed => "placed", OrderState.Fulfilled => "fulfilled", OrderState.Cancelled => "cancelled", _ => throw new ArgumentOutOfRangeException(nameof(state)) };

    public static string TypeName(OrderKind kind) => kind == OrderKind.Ride ? "ride" : "generic";

    public static decimal? DistanceKm(long? meters) => meters is { } m ? Decimals.FromScaled(m, 3) : null;

    // A cancelled order has no certificate to show (its page says it was cancelled); nor has a callback sent when
    // Canopy:PublicBaseUrl is not set.
    public static string? CertificateUrl(OrderState state, string certificateId, string? publicBaseUrl) =>
        ShowsCertificate(state, publicBaseUrl) ? publicBaseUrl + PublicUrls.CertificatePath(certificateId) : null;

    public static string? CertificatePdfUrl(OrderState state, string certificateId, string? publicBaseUrl) =>
        ShowsCertificate(state, publicBaseUrl) ? publicBaseUrl + PublicUrls.CertificatePdfPath(certificateId) : null;

    public static bool ShowsCertificate(OrderState state, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? publicBaseUrl) =>
        state != OrderState.Cancelled && publicBaseUrl is not null;

    /// <summary>The project an allocation shows: from the catalogue, or a placeholder if it has been deleted since.</summary>
    public static CnaughtProject ProjectOf(CatalogSnapshot catalog, long projectId) =>
        catalog.Projects.TryGetValue(projectId, out var p) ? CnaughtCatalogEndpoints.ToCnaught(p) : Unknown(projectId);

    private static CnaughtProject Unknown(long id) =>
        new(id.ToString(CultureInfo.InvariantCulture), "Unknown project", "unknown", [], null, null, null, null, null, null, null, null, null, null, [],
            null, null, null, null, null, null, null, null, [], [], null, []);
}
