using System.ComponentModel.DataAnnotations.Schema;
using System.Globalization;
using Canopy.Accounts;
using Canopy.Data;
using Canopy.Ordering;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Cnaught;

/// <summary>
/// A page of CNaught orders as one SQL query (the same text on PostgreSQL and SQLite), read as flat rows (an order ×
/// its allocations × their live retirements) and folded into <see cref="CnaughtOrderRow"/>s.
/// <para>
/// The orders are a range of the index on (account, [subaccount,] mode, id) written with row values,
/// <c>(account_id, mode, id) &gt; (a, m, low) AND (account_id, mode, id) &lt; (a, m, high)</c>, ordered by the whole
/// key. Written as equalities plus <c>ORDER BY id</c>, PostgreSQL may walk the primary key backwards instead, skipping
/// every newer order of other accounts (tens of ms a page when one account's orders are old and others' many); the
/// range leaves it only this index, whose order is the page's. The cursor is resolved inside the query.
/// </para>
/// <para>
/// Flat rows, not EF's nested collection projection: its shaper costs about a third of a page's CPU.
/// </para>
/// </summary>
internal static class CnaughtOrderPageQuery
{
    /// <summary>The kinds of order CNaught shows (CO₂e: offset and ride), as SQL.</summary>
    private static readonly string CnaughtKinds = string.Join(", ", new[] { OrderKind.Offset, OrderKind.Ride }.Select(k => ((int)k).ToString(CultureInfo.InvariantCulture)));

    public static async Task<List<CnaughtOrderRow>> ReadAsync(CanopyDbContext db, Caller caller, long? subaccountId, CursorPage page, CancellationToken ct)
    {
        var values = new List<object> { caller.AccountId };
        var columns = "account_id, mode";
        var inScope = "c.account_id = {0} AND c.mode = {1}";
        if (subaccountId is { } sid)
        {
            values.Add(sid);
            columns = "account_id, subaccount_id, mode";
            inScope = "c.account_id = {0} AND c.subaccount_id = {1} AND c.mode = {2}";
        }
        values.Add((int)caller.Mode);
        var scope = string.Join(", ", Enumerable.Range(0, values.Count).Select(Placeholder));
        string low = "0", high = Placeholder(values.Count);
        values.Add(long.MaxValue);
        if (page.Cursor is { } cursor)
        {
            var cursorId = "(SELECT c.id FROM orders c WHERE c.public_id = " + Placeholder(values.Count) + " AND " + inScope + " AND c.kind IN (" + CnaughtKinds + "))";
            values.Add(cursor);
            if (page.Before) low = cursorId;
            else high = cursorId;
        }
        var direction = page.Before ? "" : " DESC";
        var key = string.Join(", ", (columns + ", id").Split(", ").Select(c => c + direction));
        var limit = Placeholder(values.Count);
        values.Add(page.Limit);

        // Only constant text is joined here; every value (ids, mode, cursor, limit) is a parameter.
        var sql = "SELECT o.id, o.public_id, o.order_number, o.grams, o.created_at, o.metadata, o.description, o.price_usd_cents, o.state, o.kind, " +
            "o.callback_url, o.certificate_id, o.subaccount_id, o.distance_meters, o.checkout_session_id, " +
            "a.id AS allocation_id, a.project_id AS allocation_project_id, a.grams AS allocation_grams, " +
            "r.id AS retirement_id, r.serial_number_range AS retirement_range, r.registry_url AS retirement_url " +
            "FROM (SELECT * FROM orders WHERE (" + columns + ", id) > (" + scope + ", " + low + ") AND (" + columns + ", id) < (" + scope + ", " + high + ") " +
            "AND kind IN (" + CnaughtKinds + ") ORDER BY " + key + " LIMIT " + limit + ") o " +
            "LEFT JOIN order_allocations a ON a.order_id = o.id AND a.grams > 0 " +
            "LEFT JOIN retirements r ON r.allocation_id = a.id AND r.released_at IS NULL " +
            "ORDER BY o.id DESC, a.id, r.id";
        var rows = await db.Database.SqlQueryRaw<FlatRow>(sql, [.. values]).ToListAsync(ct);
        return Fold(rows);
    }

    private static string Placeholder(int i) => "{" + i.ToString(CultureInfo.InvariantCulture) + "}";

    private static List<CnaughtOrderRow> Fold(List<FlatRow> rows)
    {
        var orders = new List<CnaughtOrderRow>();
        CnaughtOrderRow? order = null;
        CnaughtAllocationRow? allocation = null;
        long? allocationId = null;
        foreach (var r in rows)
        {
            if (order is null || order.Id != r.Id)
            {
                order = new CnaughtOrderRow(r.Id, r.PublicId, r.OrderNumber, r.Grams, r.CreatedAt, r.Metadata, r.Description, r.PriceUsdCents,
                    r.State, r.Kind, r.CallbackUrl, r.CertificateId, r.SubaccountId, r.DistanceMeters, r.CheckoutSessionId, []);
                orders.Add(order);
                allocation = null;
                allocationId = null;
            }
            if (r.AllocationId is not { } aid) continue;
            if (allocation is null || allocationId != aid)
            {
                allocation = new CnaughtAllocationRow(r.AllocationProjectId!.Value, r.AllocationGrams!.Value, []);
                allocationId = aid;
                order.Allocations.Add(allocation);
            }
            if (r.RetirementId is not null) allocation.Retirements.Add(new CnaughtRetirementRow(r.RetirementRange!, r.RetirementUrl));
        }
        return orders;
    }

    /// <summary>One row of the page query: an order's columns, one of its allocations, one of that allocation's retirements.</summary>
    internal sealed class FlatRow
    {
        [Column("id")] public long Id { get; init; }
        [Column("public_id")] public required string PublicId { get; init; }
        [Column("order_number")] public required string OrderNumber { get; init; }
        [Column("grams")] public long Grams { get; init; }
        [Column("created_at")] public DateTime CreatedAt { get; init; }
        [Column("metadata")] public string? Metadata { get; init; }
        [Column("description")] public string? Description { get; init; }
        [Column("price_usd_cents")] public long PriceUsdCents { get; init; }
        [Column("state")] public OrderState State { get; init; }
        [Column("kind")] public OrderKind Kind { get; init; }
        [Column("callback_url")] public string? CallbackUrl { get; init; }
        [Column("certificate_id")] public required string CertificateId { get; init; }
        [Column("subaccount_id")] public long? SubaccountId { get; init; }
        [Column("distance_meters")] public long? DistanceMeters { get; init; }
        [Column("checkout_session_id")] public string? CheckoutSessionId { get; init; }
        [Column("allocation_id")] public long? AllocationId { get; init; }
        [Column("allocation_project_id")] public long? AllocationProjectId { get; init; }
        [Column("allocation_grams")] public long? AllocationGrams { get; init; }
        [Column("retirement_id")] public long? RetirementId { get; init; }
        [Column("retirement_range")] public string? RetirementRange { get; init; }
        [Column("retirement_url")] public string? RetirementUrl { get; init; }
    }
}
