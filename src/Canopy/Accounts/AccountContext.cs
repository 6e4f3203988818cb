namespace Canopy.Accounts;

/// <summary>
/// What the order path needs to know about the calling account, loaded once and cached (see <see cref="AccountContextCache"/>),
/// so that placing an order reads nothing about its caller from the database.
/// </summary>
public sealed record AccountContext(
    long AccountId,
    string Currency,
    BillingMode Billing,
    long? DefaultPortfolioId,
    string? CardPaymentMethod,
    string? StripeCustomerId,
    long? RideGramsPerKm,
    IReadOnlyDictionary<(string PublicId, TokenMode Mode), SubaccountContext> Subaccounts);

/// <summary>A subaccount as the order path sees it: its keys and the portfolio it orders from by default.</summary>
public sealed record SubaccountContext(long Id, string PublicId, TokenMode Mode, long? DefaultPortfolioId);
