using System.Text.Json;
using Canopy.Data;
using Microsoft.EntityFrameworkCore;
using Canopy.Notifications;
using Canopy.Outbox;

namespace Canopy.Fulfilment;

/// <summary>
/// Outbox <c>order.fulfil</c>: retire the order's inventory; what cannot be covered joins its project's line and waits for
/// <c>inventory.serve</c>. Orders whose messages are older and still undone (another worker holds them, or they wait for
/// a retry) are fulfilled first in the same pass, so that when inventory runs out with several workers at once, the grams
/// still go to the orders that came first.
/// </summary>
internal sealed class FulfilOrderHandler(FulfilmentService fulfilment, CanopyDbContext db) : IOutboxGroupHandler
{
    /// <summary>At most this many older undone orders are brought forward into one pass.</summary>
    private const int OlderLimit = 500;

    public string Topic => OutboxTopics.FulfilOrder;

    public async Task HandleAsync(OutboxMessage message, CancellationToken ct)
    {
        var errors = await HandleGroupAsync([message], ct);
        if (errors[message.Id] is { } error) throw new InvalidOperationException(error);
    }

    /// <summary>
    /// A group of <c>order.fulfil</c> messages in one transaction: the retirements, state changes and callback messages of
    /// the whole group are committed together (or none of them).
    /// </summary>
    public async Task<IReadOnlyDictionary<long, string?>> HandleGroupAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken ct)
    {
        var errors = new Dictionary<long, string?>();
        List<OrderToFulfil> group = [];
        foreach (var m in messages)
        {
            if (m.AccountId is { } accountId) group.Add(new OrderToFulfil(accountId, m.Subject));
            else errors[m.Id] = "An order.fulfil message names no account.";
        }
        var older = await OlderUndoneAsync(db, messages.Min(m => m.Id), ct);
        var outcome = await fulfilment.FulfilOrdersAsync([.. older, .. group], ct);
        foreach (var m in messages)
            errors.TryAdd(m.Id, outcome.Missing.Contains(m.Subject) ? $"Order {m.Subject} to fulfil does not exist." : null);
        return errors;
    }

    /// <summary>The orders of undone <c>order.fulfil</c> messages older than <paramref name="messageId"/>, oldest first.</summary>
    internal static async Task<List<OrderToFulfil>> OlderUndoneAsync(CanopyDbContext db, long messageId, CancellationToken ct) =>
        [.. (await db.OutboxMessages.AsNoTracking()
            .Where(m => m.CompletedAt == null && m.GaveUpAt == null && m.Topic == OutboxTopics.FulfilOrder && m.Id < messageId && m.AccountId != null)
            .OrderBy(m => m.Id).Take(OlderLimit).Select(m => new { m.AccountId, m.Subject }).ToListAsync(ct))
            .Select(m => new OrderToFulfil(m.AccountId!.Value, m.Subject))];
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
