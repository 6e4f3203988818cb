namespace Canopy.Kernel;

/// <summary>
/// The currency of prices, credits, invoices, payouts and the ledger: catalogue rates are USD cents per tonne or tree,
/// and only a card charge may be in an account's own currency (converted at the operator's rate).
/// </summary>
public static class Usd
{
    public const string Code = "USD";
}
