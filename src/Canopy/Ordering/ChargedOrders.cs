using Canopy.Data;
using Canopy.Payments;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Ordering;

/// <summary>Orders as card payments see them (<see cref="IChargedOrders"/>).</summary>
internal sealed class ChargedOrders : IChargedOrders
{
    public Task<ChargedOrder?> FindAsync(CanopyDbContext db, string orderPublicId, CancellationToken ct) =>
        db.Orders.AsNoTracking().Where(o => o.PublicId == orderPublicId)
            .Select(o => new ChargedOrder(o.PaymentReference)).FirstOrDefaultAsync(ct);

    public Task RecordChargeAsync(CanopyDbContext db, string orderPublicId, string chargeId, CancellationToken ct) =>
        db.Orders.Where(o => o.PublicId == orderPublicId && o.PaymentReference == null)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.PaymentReference, chargeId), ct);
}
