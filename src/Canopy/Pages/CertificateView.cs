using Canopy.Ordering;

namespace Canopy.Pages;

/// <summary>Credits retired for one allocation: what a registry would show.</summary>
public sealed record CertificateRetirement(int Vintage, string? Registry, string SerialRange, string? RegistryUrl, long Grams);

/// <summary>One project's share of the order on the certificate.</summary>
public sealed record CertificateLine(string ProjectName, string? ProjectType, string? Certification, string? Registry, string? Location,
    long Grams, int Trees, string Share, IReadOnlyList<CertificateRetirement> Retirements);

/// <summary>Everything a certificate (page or PDF) shows; all text is the customer's or the operator's, so it is escaped when rendered.</summary>
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
    IReadOnlyList<CertificateLine> Lines)
{
    public string Quantity => Kind == OrderKind.Tree ? Format.Count(Trees) + (Trees == 1 ? " tree" : " trees")
        : Kind == OrderKind.Donation ? "Donation" : Format.Mass(Grams) + " CO₂e";

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
