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
}

internal sealed record CnaughtCallback(CnaughtOrder Order);
