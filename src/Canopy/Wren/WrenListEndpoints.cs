using System.Text.Json;
using Canopy.Accounts;
using Canopy.Catalog;
using Canopy.Data;
using Canopy.Impact;
using Canopy.Ordering;
using Canopy.Kernel;
using Canopy.Platform;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Wren;

/// <summary>Wren's read endpoints: the caller's offset and tree orders, and the public feed.</summary>
internal static class WrenListEndpoints
{
    public static RouteGroupBuilder MapWrenPublicLists(this RouteGroupBuilder wren)
    {
        wren.MapGet("/offset-orders/public", PublicFeedAsync).WithName("WrenPublicOffsetOrders")
            .WithSummary("The 30 most recent orders of accounts on the public feed (no authentication; cached)")
            .Produces<WrenPublicFeed>();
        return wren;
    }

    public static RouteGroupBuilder MapWrenLists(this RouteGroupBuilder authed)
    {
        authed.MapGet("/offset-orders", ListOffsetOrdersAsync).WithName("WrenListOffsetOrders")
            .WithSummary("The caller's offset orders (one row per project of each order) with totals and rank")
            .Produces<WrenOffsetOrderList>();
        authed.MapGet("/tree-orders", ListTreeOrdersAsync).WithName("WrenListTreeOrders")
            .WithSummary("The caller's tree orders").Produces<WrenTreeOrderList>();
        return authed;
    }

    /// <summary>
    /// Streams every row: an account with 100 000 orders gets them without the server holding them all.
    /// Two index range scans on (account_id, mode, certified, id); totals and rank come from account_totals.
    /// Lists may lag by the replication delay: they read from a standby when there are read replicas.
    /// </summary>
    private static async Task ListOffsetOrdersAsync(HttpContext http, [FromKeyedServices(Reads.MayLag)] CanopyDbContext db, CatalogCache catalog, CancellationToken ct)
    {
        var caller = http.GetCaller();
        if (caller.IsTest)
        {
            await http.Response.WriteAsJsonAsync(CannedOffsetOrders(), Json.SnakeCase, ct);
            return;
        }
        var snapshot = await catalog.GetAsync(ct);
        var stats = await StatsAsync(db, caller.AccountId, ct);

        http.Response.ContentType = "application/json; charset=utf-8";
        // Writing into the response pipe never blocks; the pipe is flushed every few hundred rows.
        await using var writer = new Utf8JsonWriter(http.Response.BodyWriter);
        writer.WriteStartObject();
        foreach (var certified in new[] { true, false })
        {
            writer.WriteStartArray(certified ? "offsetOrders" : "uncertifiedOffsetOrders");
            var rows = (from a in db.OrderAllocations.AsNoTracking()
                        where a.AccountId == caller.AccountId && a.Mode == TokenMode.Live && a.Certified == certified && !a.Cancelled && a.Grams > 0
                        join o in db.Orders on a.OrderId equals o.Id
                        orderby a.Id descending
                        select new { a.Id, a.Grams, a.PriceUsdCents, a.ProjectId, a.CreatedAt, o.Note, o.PortfolioId, o.PaymentReference, o.PublicId, o.OnBehalfOfName })
                .AsAsyncEnumerable();
            var n = 0;
            await foreach (var x in rows.WithCancellation(ct))
            {
                // Written field by field (same names as WrenOffsetOrderRow): several times faster than serialising a record per row.
                writer.WriteStartObject();
                writer.WriteNumber("id", x.Id);
                writer.WriteString("order_id", x.PaymentReference ?? x.PublicId);
                writer.WriteNumber("tons", WrenOrderEndpoints.Tons(x.Grams));
                writer.WriteNumber("amount_paid_by_customer", x.PriceUsdCents);
                writer.WriteString("note", x.Note);
                if (x.PortfolioId is { } pid) writer.WriteNumber("portfolio_id", pid); else writer.WriteNull("portfolio_id");
                writer.WriteNumber("project_id", x.ProjectId);
                writer.WriteString("project_name", snapshot.Projects.TryGetValue(x.ProjectId, out var p) ? p.Name : "");
                writer.WriteBoolean("certified", certified);
                writer.WriteString("on_behalf_of_name", x.OnBehalfOfName);
                writer.WriteString("created_at", Json.Timestamp(x.CreatedAt)); // as every other endpoint writes instants
                writer.WriteEndObject();
                if (++n % 1000 == 0)
                {
                    writer.Flush();
                    await http.Response.BodyWriter.FlushAsync(ct);
                }
            }
            writer.WriteEndArray();
        }
        writer.WritePropertyName("stats");
        JsonSerializer.Serialize(writer, stats, Json.SnakeCase);
        writer.WriteEndObject();
        writer.Flush();
        await http.Response.BodyWriter.FlushAsync(ct);
    }

    /// <summary>Total certified tonnes; rank and percentile among accounts with any, omitted at zero.</summary>
    private static async Task<WrenStats> StatsAsync(CanopyDbContext db, long accountId, CancellationToken ct)
    {
        var mine = await db.AccountTotals.Where(t => t.AccountId == accountId).Select(t => t.CertifiedGrams).FirstOrDefaultAsync(ct);
        if (mine == 0) return new WrenStats(0, null, null);
        var above = await db.AccountTotals.CountAsync(t => t.CertifiedGrams > mine, ct);
        var ranked = await db.AccountTotals.CountAsync(t => t.CertifiedGrams > 0, ct);
        var rank = above + 1;
        // Share of ranked accounts this one is level with or ahead of.
        var percentile = decimal.Round(100m * (ranked - above) / ranked, 1);
        return new WrenStats(WrenOrderEndpoints.Tons(mine), rank, Decimals.Trim(percentile));
    }

    private static async Task<IResult> ListTreeOrdersAsync(HttpContext http, [FromKeyedServices(Reads.MayLag)] CanopyDbContext db, CancellationToken ct)
    {
        var caller = http.GetCaller();
        if (caller.IsTest)
        {
            var sample = new WrenTreeOrderRow("test_to_sample00000001", 10, 1_500, Usd.Code, 1_500, null, "Sample tree order", new DateTime(2025, 1, 15, 12, 0, 0, DateTimeKind.Utc));
            return TypedResults.Json(new WrenTreeOrderList([sample], 10, true), Json.SnakeCase);
        }
        var rows = await db.Orders.AsNoTracking()
            .Where(o => o.AccountId == caller.AccountId && o.Mode == TokenMode.Live && o.Kind == OrderKind.Tree && o.State != OrderState.Cancelled)
            .OrderByDescending(o => o.Id).Take(10_000)
            .Select(o => new WrenTreeOrderRow(o.PaymentReference ?? o.PublicId, o.Trees, o.AmountCharged, o.ChargeCurrency, o.PriceUsdCents, o.ProjectId, o.Note, o.CreatedAt))
            .ToListAsync(ct);
        rows = [.. rows.Select(r => r with { CreatedAt = DateTime.SpecifyKind(r.CreatedAt, DateTimeKind.Utc) })];
        return TypedResults.Json(new WrenTreeOrderList(rows, rows.Sum(r => r.AmountOfTrees), false), Json.SnakeCase);
    }

    private static async Task<IResult> PublicFeedAsync(PublicFeed feed, CancellationToken ct) =>
        TypedResults.Json(new WrenPublicFeed([.. (await feed.GetAsync(ct)).Select(e =>
            new WrenPublicOrderRow(e.OrderGroupId, e.AccountName, WrenOrderEndpoints.Tons(e.Grams), e.PortfolioId, e.PortfolioName, e.CreatedAt))]), Json.SnakeCase);

    private static WrenOffsetOrderList CannedOffsetOrders()
    {
        var at = new DateTime(2025, 1, 15, 12, 0, 0, DateTimeKind.Utc);
        return new WrenOffsetOrderList(
            [new WrenOffsetOrderRow(1, "test_oo_sample00000001", 0.5m, 1_250, "Sample order", 1, 1, "Sample certified project", true, null, at)],
            [new WrenOffsetOrderRow(2, "test_oo_sample00000001", 0.1m, 500, "Sample order", 1, 2, "Sample uncertified project", false, null, at)],
            new WrenStats(0.5m, 1, 100), true);
    }
}

public sealed record WrenPublicFeed([property: System.Text.Json.Serialization.JsonPropertyName("offsetOrders")] IReadOnlyList<WrenPublicOrderRow> OffsetOrders);
