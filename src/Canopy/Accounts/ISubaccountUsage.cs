using Canopy.Data;

namespace Canopy.Accounts;

/// <summary>Whether anything still refers to a subaccount. Ordering implements it, so accounts never name an order.</summary>
public interface ISubaccountUsage
{
    /// <summary>Whether the subaccount has orders of any state (in <paramref name="db"/>'s transaction).</summary>
    Task<bool> HasOrdersAsync(CanopyDbContext db, long accountId, long subaccountId, CancellationToken ct);
}
