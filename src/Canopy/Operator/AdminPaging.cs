using System.Globalization;

namespace Canopy.Operator;

/// <summary>A page of an operator list: <c>{"data": [...], "has_more": …, "next_cursor": …}</c>; pass next_cursor as <c>starting_after</c>.</summary>
public sealed record PageResponse<T>(IReadOnlyList<T> Data, bool HasMore, string? NextCursor);

/// <summary>Keyset paging for operator lists: <c>limit</c> 1–200 (default 50), <c>starting_after</c> the last id seen; newest first.</summary>
internal readonly record struct AdminPage(int Limit, long? StartingAfter, string? Error)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    public static AdminPage Parse(IQueryCollection query)
    {
        var limit = DefaultLimit;
        var l = query["limit"].ToString();
        if (l.Length > 0 && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
            return new(0, null, $"'limit' must be an integer from 1 to {MaxLimit}.");
        var after = query["starting_after"].ToString();
        if (after.Length == 0) return new(limit, null, null);
        return long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? new(limit, id, null)
            : new(0, null, "'starting_after' must be the id of the last item of the previous page.");
    }

    /// <summary>Cuts the one-extra row that tells whether there is a next page.</summary>
    public PageResponse<T> Page<T>(List<T> rowsPlusOne, Func<T, long> id)
    {
        var more = rowsPlusOne.Count > Limit;
        var data = more ? rowsPlusOne[..Limit] : rowsPlusOne;
        return new PageResponse<T>(data, more, more ? id(data[^1]).ToString(CultureInfo.InvariantCulture) : null);
    }
}
