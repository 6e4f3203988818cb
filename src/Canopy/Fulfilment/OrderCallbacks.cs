using System.Text.Json;
using Canopy.Data;
using Canopy.Notifications;
using Canopy.Outbox;

namespace Canopy.Fulfilment;

/// <summary>
/// Renders the body of an order's callback: <c>{"order": {…}}</c> with the order as the dialect that defines callbacks
/// shows it. The domain defines this; the CNaught adapter implements it, so the domain never names a dialect.
/// </summary>
public interface IOrderCallbackBody
{
    /// <summary>The JSON body for the order as it is now in <paramref name="db"/> (the caller's transaction).</summary>
    Task<string> RenderAsync(CanopyDbContext db, long orderId, CancellationToken ct);

    /// <summary>The bodies of many orders at once (a fulfilment group), in a few queries; the same bytes as <see cref="RenderAsync"/>.</summary>
    Task<IReadOnlyDictionary<long, string>> RenderManyAsync(CanopyDbContext db, IReadOnlyCollection<long> orderIds, CancellationToken ct);
}

/// <summary>Queues an order's callback (outbox <c>order.callback</c>) when it changes state.</summary>
public static class OrderCallbacks
{
    /// <summary>
    /// The message for a state change. The body is rendered now, in the transaction that changed the state, so that the
    /// receiver sees the order as it was at that event even when delivery is late; retries send the same bytes.
    /// </summary>
    public static async Task<OutboxMessage> MessageAsync(CanopyDbContext db, IOrderCallbackBody body, long accountId, long orderId,
        string publicId, string state, DateTime now, CancellationToken ct)
    {
        var rendered = await body.RenderAsync(db, orderId, ct);
        return Message(accountId, publicId, state, rendered, now);
    }

    /// <summary>The message for a state change whose body is already rendered.</summary>
    public static OutboxMessage Message(long accountId, string publicId, string state, string rendered, DateTime now)
    {
        var payload = $"{{\"order_id\":{JsonSerializer.Serialize(publicId)},\"state\":{JsonSerializer.Serialize(state)},\"body\":{rendered}}}";
        return new OutboxMessage
        {
            AccountId = accountId, Topic = OutboxTopics.OrderCallback, Subject = publicId, Payload = payload, CreatedAt = now, AvailableAt = now,
        };
    }
}
