using System.Text.Json;
using Canopy.Notifications;
using Canopy.Outbox;

namespace Canopy.Fulfilment;

/// <summary>Outbox <c>order.fulfil</c>: retire the order's inventory. An order that cannot be covered yet waits for <c>inventory.serve</c>.</summary>
internal sealed class FulfilOrderHandler(FulfilmentService fulfilment) : IOutboxHandler
{
    public string Topic => OutboxTopics.FulfilOrder;

    public Task HandleAsync(OutboxMessage message, CancellationToken ct) =>
        fulfilment.FulfilOrderAsync(message.AccountId ?? throw new InvalidOperationException("An order.fulfil message names no account."), message.Subject, ct);
}

/// <summary>Outbox <c>inventory.serve</c>: serve the waiting orders of some projects, in order of arrival.</summary>
internal sealed class ServeWaitingHandler(FulfilmentService fulfilment) : IOutboxHandler
{
    public string Topic => OutboxTopics.ServeWaiting;

    public Task HandleAsync(OutboxMessage message, CancellationToken ct) =>
        fulfilment.ServeWaitingAsync(InventoryReturned.ProjectIds(message.Payload), ct);
}

/// <summary>The <c>inventory.serve</c> message: written with new inventory, or with a cancellation that gave grams back.</summary>
public static class InventoryReturned
{
    public static OutboxMessage Message(IReadOnlyCollection<long> projectIds, DateTime now) => new()
    {
        Topic = OutboxTopics.ServeWaiting,
        Subject = "projects:" + string.Join(',', projectIds.Take(4).Select(id => id.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        Payload = JsonSerializer.Serialize(new Payload([.. projectIds])),
        CreatedAt = now,
        AvailableAt = now,
    };

    public static long[] ProjectIds(string payload) =>
        JsonSerializer.Deserialize<Payload>(payload)?.project_ids ?? [];

    // Wire names as written: the payload is stored, not shown.
#pragma warning disable IDE1006
    private sealed record Payload(long[] project_ids);
#pragma warning restore IDE1006
}
