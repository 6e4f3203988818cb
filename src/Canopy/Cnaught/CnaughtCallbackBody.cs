using System.Text.Json;
using Canopy.Catalog;
using Canopy.Data;
using Canopy.Fulfilment;
using Canopy.Kernel;
using Canopy.Platform;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Cnaught;

/// <summary>Callbacks carry <c>{"order": {…}}</c> with the order exactly as <c>GET /v1/orders/{id}</c> shows it.</summary>
internal sealed class CnaughtCallbackBody(CatalogCache catalog, IConfiguration config) : IOrderCallbackBody
{
    public async Task<string> RenderAsync(CanopyDbContext db, long orderId, CancellationToken ct)
    {
        var order = await db.Orders.AsNoTracking().Include(o => o.Allocations).ThenInclude(a => a.Retirements)
            .AsSplitQuery().FirstAsync(o => o.Id == orderId, ct);
        var sub = await CnaughtOrderEndpoints.SubaccountPublicIdAsync(db, order.SubaccountId, ct);
        // No request here: certificate URLs need Canopy:PublicBaseUrl (null without it).
        var shape = CnaughtShapes.ToCnaught(order, sub, await catalog.GetAsync(ct), PublicUrls.Configured(config));
        return JsonSerializer.Serialize(new CnaughtCallback(shape), Json.SnakeCase);
    }

    public async Task<IReadOnlyDictionary<long, string>> RenderManyAsync(CanopyDbContext db, IReadOnlyCollection<long> orderIds, CancellationToken ct)
    {
        var ids = orderIds.ToArray();
        if (ids.Length == 0) return new Dictionary<long, string>();
        var orders = await db.Orders.AsNoTracking().Include(o => o.Allocations).ThenInclude(a => a.Retirements)
            .AsSplitQuery().Where(o => ids.Contains(o.Id)).ToListAsync(ct);
        var subIds = orders.Where(o => o.SubaccountId != null).Select(o => o.SubaccountId!.Value).Distinct().ToArray();
        var subs = subIds.Length == 0 ? [] : await db.Subaccounts.AsNoTracking().Where(s => subIds.Contains(s.Id)).ToDictionaryAsync(s => s.Id, s => s.PublicId, ct);
        var snapshot = await catalog.GetAsync(ct);
        var urls = PublicUrls.Configured(config);
        return orders.ToDictionary(o => o.Id, o => JsonSerializer.Serialize(
            new CnaughtCallback(CnaughtShapes.ToCnaught(o, o.SubaccountId is { } sid ? subs.GetValueOrDefault(sid) : null, snapshot, urls)), Json.SnakeCase));
    }
}

internal sealed record CnaughtCallback(CnaughtOrder Order);
