using Canopy.Ordering;

namespace Canopy.Cnaught;

/// <summary>The columns of an order that CNaught's order object shows, read by the list's one query.</summary>
internal sealed record CnaughtOrderRow(
    long Id, string PublicId, string OrderNumber, long Grams, DateTime CreatedAt, string? Metadata, string? Description,
    long PriceUsdCents, OrderState State, OrderKind Kind, string? CallbackUrl, string CertificateId, long? SubaccountId,
    long? DistanceMeters, string? CheckoutSessionId, List<CnaughtAllocationRow> Allocations)
{
    /// <summary>The same columns from an order in memory (its allocations and retirements loaded).</summary>
    public static CnaughtOrderRow Of(Order o) => new(
        o.Id, o.PublicId, o.OrderNumber, o.Grams, o.CreatedAt, o.Metadata, o.Description, o.PriceUsdCents, o.State, o.Kind,
        o.CallbackUrl, o.CertificateId, o.SubaccountId, o.DistanceMeters, o.CheckoutSessionId,
        [.. o.Allocations.Where(a => a.Grams > 0).OrderBy(a => a.Id).Select(a => new CnaughtAllocationRow(a.ProjectId, a.Grams,
            [.. a.Retirements.Where(r => r.ReleasedAt == null).OrderBy(r => r.Id).Select(r => new CnaughtRetirementRow(r.SerialNumberRange, r.RegistryUrl))]))]);
}

/// <summary>An allocation with grams (zero-gram rows are not shown) and its live retirements, in id order.</summary>
internal sealed record CnaughtAllocationRow(long ProjectId, long Grams, IReadOnlyList<CnaughtRetirementRow> Retirements);

internal sealed record CnaughtRetirementRow(string SerialNumberRange, string? RegistryUrl);
