using Canopy.Accounts;
using Canopy.Data;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Ordering;

/// <summary>A subaccount's orders, as accounts need to see them (<see cref="ISubaccountUsage"/>).</summary>
internal sealed class SubaccountUsage : ISubaccountUsage
{
    public Task<bool> HasOrdersAsync(CanopyDbContext db, long accountId, long subaccountId, CancellationToken ct) =>
        db.Orders.AnyAsync(o => o.AccountId == accountId && o.SubaccountId == subaccountId, ct);
}
