using Canopy.Data;
using Canopy.Ordering;
using Canopy.Outbox;

namespace Canopy.Fulfilment;

/// <summary>Fulfilment's side of a cancellation (<see cref="IFulfilmentReversal"/>).</summary>
internal sealed class FulfilmentReversal(IOrderCallbackBody callbackBody) : IFulfilmentReversal
{
    public Task LockBatchesAsync(CanopyDbContext db, IReadOnlyCollection<long> projectIds, CancellationToken ct) =>
        FulfilmentService.LockBatchesAsync(db, projectIds, ct);

    public async Task<IReadOnlyCollection<long>> ReleaseAsync(CanopyDbContext db, long orderId, DateTime now, CancellationToken ct) =>
        await FulfilmentService.ReleaseAsync(db, orderId, now, ct);

    public Task<OutboxMessage> CallbackAsync(CanopyDbContext db, Order order, string state, DateTime now, CancellationToken ct) =>
        OrderCallbacks.MessageAsync(db, callbackBody, order.AccountId, order.Id, order.PublicId, state, now, ct);

    public OutboxMessage ServeWaiting(IReadOnlyCollection<long> projectIds, DateTime now) => InventoryReturned.Message(projectIds, now);
}
