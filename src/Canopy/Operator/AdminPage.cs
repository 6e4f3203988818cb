using System.Globalization;
using System.Linq.Expressions;
using Canopy.Web;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Operator;

/// <summary>
/// Cursor pages for the operator's lists, as the CNaught lists page: newest first; <c>limit</c> 1–1000 (default 100);
/// <c>starting_after</c> = the id of the last item of a page for the next (older) page, <c>ending_before</c> = the id of
/// the first item for the previous (newer) one, at most one of them; the answer says <c>has_more</c>.
/// </summary>
internal readonly record struct AdminPage(int Limit, string? Cursor, bool Before)
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    /// <summary>The page asked for, or the field errors.</summary>
    public static (AdminPage Page, FieldErrors? Errors) Parse(IQueryCollection query)
    {
        var limit = DefaultLimit;
        var l = query["limit"].ToString();
        if (l.Length > 0 && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
            return (default, new FieldErrors("limit", $"limit must be an integer from 1 to {MaxLimit}."));
        var after = query["starting_after"].ToString();
        var before = query["ending_before"].ToString();
        if (after.Length > 0 && before.Length > 0)
            return (default, new FieldErrors("starting_after", "Only one of starting_after and ending_before can be specified."));
        var (cursor, field) = before.Length > 0 ? (before, "ending_before") : (after, "starting_after");
        if (cursor.Length > 64) return (default, new FieldErrors(field, $"{field} is not an id."));
        return (new AdminPage(limit, cursor.Length > 0 ? cursor : null, before.Length > 0), null);
    }

    /// <summary>The name of the cursor parameter given, for errors about it.</summary>
    public string CursorField => Before ? "ending_before" : "starting_after";

    /// <summary>The cursor as a numeric id; false (with an error) when it is not one.</summary>
    public bool TryNumericCursor(out long? id, out FieldErrors? errors)
    {
        id = null;
        errors = null;
        if (Cursor is null) return true;
        if (long.TryParse(Cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var value)) { id = value; return true; }
        errors = new FieldErrors(CursorField, $"{CursorField} must be the id of an item in the list.");
        return false;
    }

    /// <summary>One page of the query by descending key, from the cursor's key.</summary>
    public async Task<(List<T> Items, bool HasMore)> ApplyAsync<T>(IQueryable<T> query, Expression<Func<T, long>> key, long? cursorKey, CancellationToken ct)
    {
        if (cursorKey is { } c) query = query.Where(Compare(key, c, Before));
        query = Before ? query.OrderBy(key) : query.OrderByDescending(key);
        return Trim(await query.Take(Limit + 1).ToListAsync(ct));
    }

    /// <summary>The same over items already in memory (the catalogue snapshot).</summary>
    public (List<T> Items, bool HasMore) Apply<T>(IEnumerable<T> items, Func<T, long> key, long? cursorKey)
    {
        var before = Before;
        if (cursorKey is { } c) items = items.Where(x => before ? key(x) > c : key(x) < c);
        items = before ? items.OrderBy(key) : items.OrderByDescending(key);
        return Trim([.. items.Take(Limit + 1)]);
    }

    private (List<T> Items, bool HasMore) Trim<T>(List<T> rows)
    {
        var hasMore = rows.Count > Limit;
        if (hasMore) rows.RemoveAt(rows.Count - 1);
        if (Before) rows.Reverse();
        return (rows, hasMore);
    }

    private static Expression<Func<T, bool>> Compare<T>(Expression<Func<T, long>> key, long cursor, bool newer)
    {
        // A captured value, so that EF Core sends it as a parameter rather than baking it into the SQL.
        var value = Expression.Property(Expression.Constant(new Box(cursor)), nameof(Box.Value));
        var body = newer ? Expression.GreaterThan(key.Body, value) : Expression.LessThan(key.Body, value);
        return Expression.Lambda<Func<T, bool>>(body, key.Parameters);
    }

    private sealed record Box(long Value);
}
