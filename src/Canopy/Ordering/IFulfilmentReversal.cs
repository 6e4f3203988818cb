using Canopy.Data;
using Canopy.Outbox;

namespace Canopy.Ordering;

/// <summary>
/// What a cancellation asks of fulfilment, inside the cancelling transaction. Fulfilment implements it, so that the
/// arrow points from fulfilment to ordering only.
/// </summary>
public interface IFulfilmentReversal
{
    /// <summary>Locks the credit batches of these projects in the order fulfilment takes them, before the order's state flips.</summary>
    Task LockBatchesAsync(CanopyDbContext db, IReadOnlyCollection<long> projectIds, CancellationToken ct);

    /// <summary>Returns the order's retired grams to their batches; the projects that got grams back.</summary>
    Task<IReadOnlyCollection<long>> ReleaseAsync(CanopyDbContext db, long orderId, DateTime now, CancellationToken ct);

    /// <summary>The signed callback telling the order's callback URL that it is now in <paramref name="state"/>.</summary>
    Task<OutboxMessage> CallbackAsync(CanopyDbContext db, Order order, string state, DateTime now, CancellationToken ct);

    /// <summary>The message that serves waiting orders of these projects from the returned grams.</summary>
    OutboxMessage ServeWaiting(IReadOnlyCollection<long> projectIds, DateTime now);
}
