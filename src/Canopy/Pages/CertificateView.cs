using Canopy.Ordering;

namespace Canopy.Pages;

/// <summary>Credits retired for one allocation: what a registry would show.</summary>
public sealed record CertificateRetirement(int Vintage, string? Registry, string SerialRange, string? RegistryUrl, long Grams)
{
    /// <summary>
    /// The serial numbers as a registry prints them, first and last in full: "VCS-2023-1 – VCS-2023-125000" (one
    /// number: "VCS-2023-7"). Serial numbers are 1-based gram positions in the batch; the prefix is the batch's.
    /// </summary>
    public static string RegistryRange(string? serialPrefix, long batchId, long start, long end)
    {
        var prefix = serialPrefix ?? $"CANOPY-B{batchId.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        if (!prefix.EndsWith('-')) prefix += "-";
        var first = prefix + (start + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return end == start + 1 ? first : $"{first} – {prefix}{end.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
    }
}

/// <summary>
/// One project's share of the order on the certificate. A donation line (<see cref="Donation"/>) is money given
/// (<see cref="PriceUsdCents"/>): its grams are never shown as CO₂e.
/// </summary>
public sealed record CertificateLine(string ProjectName, string? ProjectType, string? Certification, string? Registry, string? Location,
    long Grams, int Trees, string Share, IReadOnlyList<CertificateRetirement> Retirements, bool Donation, long PriceUsdCents)
{
    public string Amount(OrderKind kind) => Donation ? Format.Usd(PriceUsdCents) + " donated"
        : kind == OrderKind.Tree ? Format.Count(Trees) + " trees" : Grams > 0 ? Format.Mass(Grams) : "—";
}

/// <summary>
/// Everything a certificate (page or PDF) shows; all text is the customer's or the operator's, so it is escaped when
/// rendered. <see cref="Grams"/> counts offset credits only; donations are <see cref="DonationUsdCents"/>, money.
/// </summary>
public sealed record CertificateView(
    string CertificateId,
    string OrderNumber,
    string Purchaser,
    string? PlacedBy,
    DateTime CreatedAt,
    DateTime? FulfilledAt,
    DateTime? CancelledAt,
    OrderState State,
    OrderKind Kind,
    long Grams,
    int Trees,
    string? Description,
    bool Sandbox,
    IReadOnlyList<CertificateLine> Lines,
    long DonationUsdCents)
{
    public string Quantity => Kind == OrderKind.Tree ? Format.Count(Trees) + (Trees == 1 ? " tree" : " trees")
        : Kind == OrderKind.Donation || (Grams == 0 && DonationUsdCents > 0) ? "A donation of " + Format.Usd(DonationUsdCents)
        : Format.Mass(Grams) + " CO₂e";

    /// <summary>The donation part of an offset order, said apart from the CO₂e: "and a donation of 0.25 USD".</summary>
    public string? DonationNote => Kind != OrderKind.Donation && Grams > 0 && DonationUsdCents > 0
        ? "and a donation of " + Format.Usd(DonationUsdCents) : null;

    public string Headline => Kind switch
    {
        OrderKind.Tree => "Certificate of tree planting",
        OrderKind.Donation => "Certificate of climate contribution",
        _ => "Certificate of carbon removal",
    };

    public string StateText => State switch
    {
        OrderState.Fulfilled => "Fulfilled: the credits are retired in the purchaser's name.",
        OrderState.Cancelled => "Cancelled: this order was cancelled and its credits were not retired for it.",
        _ => "Placed: the credits will be retired when inventory is allocated.",
    };
}
