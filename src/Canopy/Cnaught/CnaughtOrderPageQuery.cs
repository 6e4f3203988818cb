using System.Data.Common;
using System.Globalization;
using Canopy.Accounts;
using Canopy.Data;
using Canopy.Ordering;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

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
/// On PostgreSQL the query runs with a generic plan (<c>plan_cache_mode</c> set around it, in the same round trip and
/// transaction). Prepared with parameters, PostgreSQL would plan it again on every execution: it underestimates the
/// row-value range (one row), so a custom plan always looks cheaper than the generic one, and planning the three-table
/// join cost a third of its CPU a page. The limit is written as a number (a checked integer, 1–100), not a parameter: a
/// generic plan with an unknown LIMIT expects a tenth of the account's orders and merge-joins all allocations; with the
/// number it is the custom plan's nested loop over the indexes. The number is the limit rounded up to a few sizes
/// (<see cref="LimitSize"/>), so the statement texts stay few.
/// </para>
/// <para>
/// The rows are read straight from the data reader, an order's columns once per order (not once per allocation), into
/// the rows the JSON is written from: EF's materialiser (a row object, boxed enums and an async-local write per row)
/// was two thirds of what a page allocated. The command still goes through EF's relational command, so its logging,
/// interceptors and diagnostics see it like any other.
/// </para>
/// </summary>
internal static class CnaughtOrderPageQuery
{
    /// <summary>The kinds of order CNaught shows (CO₂e: offset and ride), as SQL.</summary>
    private static readonly string CnaughtKinds = string.Join(", ", new[] { OrderKind.Offset, OrderKind.Ride }.Select(k => ((int)k).ToString(CultureInfo.InvariantCulture)));

    public static async Task<List<CnaughtOrderRow>> ReadAsync(CanopyDbContext db, Caller caller, long? subaccountId, CursorPage page, CancellationToken ct)
    {
        var (sql, values) = Sql(caller, subaccountId, page);
        if (db.IsPostgres) sql = "SET plan_cache_mode TO force_generic_plan; " + sql + "; RESET plan_cache_mode";
        var command = db.GetService<IRawSqlCommandBuilder>().Build(sql, values);
        await using var reader = await command.RelationalCommand.ExecuteReaderAsync(
            new RelationalCommandParameterObject(db.GetService<IRelationalConnection>(), command.ParameterValues, null, db,
                db.GetService<IRelationalCommandDiagnosticsLogger>(), CommandSource.FromSqlQuery), ct);
        var orders = await FoldAsync(reader.DbDataReader, page.Limit, ct);
        if (orders.Count <= page.Limit) return orders;
        // The statement read up to its size (LimitSize); the page is the limit nearest the cursor: the newest orders
        // after it, or, before it, the oldest of those read (the rows come newest first either way).
        return page.Before ? orders.GetRange(orders.Count - page.Limit, page.Limit) : orders.GetRange(0, page.Limit);
    }

    /// <summary>
    /// The LIMIT written into the statement: the page's limit rounded up to one of a few sizes, so clients that vary
    /// <c>limit</c> make at most five statements of each form (Npgsql prepares up to 64 statements per connection, the
    /// order path's among them); the few extra orders are read and dropped.
    /// </summary>
    internal static int LimitSize(int limit) => limit switch { <= 1 => 1, <= 10 => 10, <= 20 => 20, <= 50 => 50, _ => CursorPage.MaxLimit };

    private static (string Sql, List<object> Values) Sql(Caller caller, long? subaccountId, CursorPage page)
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
        // A number in the text, not a parameter (see the summary): CursorPage has checked it is 1–100.
        if (page.Limit is < 1 or > CursorPage.MaxLimit) throw new ArgumentOutOfRangeException(nameof(page), page.Limit, "Not a page size.");
        var limit = LimitSize(page.Limit).ToString(CultureInfo.InvariantCulture);

        // Only constant text is joined here; every value but the limit (ids, mode, cursor) is a parameter. The columns' order
        // is the one FoldAsync reads them in (Column).
        var sql = "SELECT o.id, o.public_id, o.order_number, o.grams, o.created_at, o.metadata, o.description, o.price_usd_cents, o.state, o.kind, " +
            "o.callback_url, o.certificate_id, o.subaccount_id, o.distance_meters, o.checkout_session_id, " +
            "a.id AS allocation_id, a.project_id AS allocation_project_id, a.grams AS allocation_grams, " +
            "r.id AS retirement_id, r.serial_number_range AS retirement_range, r.registry_url AS retirement_url " +
            "FROM (SELECT * FROM orders WHERE (" + columns + ", id) > (" + scope + ", " + low + ") AND (" + columns + ", id) < (" + scope + ", " + high + ") " +
            "AND kind IN (" + CnaughtKinds + ") ORDER BY " + key + " LIMIT " + limit + ") o " +
            "LEFT JOIN order_allocations a ON a.order_id = o.id AND a.grams > 0 " +
            "LEFT JOIN retirements r ON r.allocation_id = a.id AND r.released_at IS NULL " +
            "ORDER BY o.id DESC, a.id, r.id";
        return (sql, values);
    }

    private static string Placeholder(int i) => "{" + i.ToString(CultureInfo.InvariantCulture) + "}";

    /// <summary>The select list's positions.</summary>
    private static class Column
    {
        public const int Id = 0, PublicId = 1, OrderNumber = 2, Grams = 3, CreatedAt = 4, Metadata = 5, Description = 6, PriceUsdCents = 7,
            State = 8, Kind = 9, CallbackUrl = 10, CertificateId = 11, SubaccountId = 12, DistanceMeters = 13, CheckoutSessionId = 14,
            AllocationId = 15, AllocationProjectId = 16, AllocationGrams = 17, RetirementId = 18, RetirementRange = 19, RetirementUrl = 20;
    }

    /// <summary>Rows come ordered by order, allocation, retirement: each order and allocation starts where its id changes.</summary>
    private static async Task<List<CnaughtOrderRow>> FoldAsync(DbDataReader r, int limit, CancellationToken ct)
    {
        var orders = new List<CnaughtOrderRow>(limit);
        CnaughtOrderRow? order = null;
        CnaughtAllocationRow? allocation = null;
        List<CnaughtRetirementRow>? retirements = null;
        long allocationId = 0;
        while (await r.ReadAsync(ct))
        {
            var id = r.GetInt64(Column.Id);
            if (order is null || order.Id != id)
            {
                order = new CnaughtOrderRow(id, r.GetString(Column.PublicId), r.GetString(Column.OrderNumber), r.GetInt64(Column.Grams),
                    DateTime.SpecifyKind(r.GetDateTime(Column.CreatedAt), DateTimeKind.Utc), StringOrNull(r, Column.Metadata), StringOrNull(r, Column.Description),
                    r.GetInt64(Column.PriceUsdCents), (OrderState)r.GetInt32(Column.State), (OrderKind)r.GetInt32(Column.Kind),
                    StringOrNull(r, Column.CallbackUrl), r.GetString(Column.CertificateId), Int64OrNull(r, Column.SubaccountId),
                    Int64OrNull(r, Column.DistanceMeters), StringOrNull(r, Column.CheckoutSessionId), []);
                orders.Add(order);
                allocation = null;
            }
            if (r.IsDBNull(Column.AllocationId)) continue;
            var aid = r.GetInt64(Column.AllocationId);
            if (allocation is null || allocationId != aid)
            {
                var projectId = r.GetInt64(Column.AllocationProjectId);
                var grams = r.GetInt64(Column.AllocationGrams);
                // An allocation's first row says whether it has retirements at all (the join is a left join).
                retirements = r.IsDBNull(Column.RetirementId) ? null : [];
                allocation = new CnaughtAllocationRow(projectId, grams, (IReadOnlyList<CnaughtRetirementRow>?)retirements ?? []);
                allocationId = aid;
                order.Allocations.Add(allocation);
            }
            retirements?.Add(new CnaughtRetirementRow(r.GetString(Column.RetirementRange), StringOrNull(r, Column.RetirementUrl)));
        }
        return orders;
    }

    private static string? StringOrNull(DbDataReader r, int column) => r.IsDBNull(column) ? null : r.GetString(column);

    private static long? Int64OrNull(DbDataReader r, int column) => r.IsDBNull(column) ? null : r.GetInt64(column);
}
