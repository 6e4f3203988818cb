using System.Globalization;
using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Canopy.Operator;

/// <summary>A page of an operator list: <c>{"data": [...], "has_more": …, "next_cursor": …}</c>; pass next_cursor as <c>starting_after</c>.</summary>
public sealed record PageResponse<T>(IReadOnlyList<T> Data, bool HasMore, string? NextCursor);

/// <summary>
/// Keyset paging for operator lists: <c>limit</c> 1–100 (default 50), <c>starting_after</c> the previous page's
/// <c>next_cursor</c>. Lists of rows with a numeric id page on it, newest first (<see cref="StartingAfter"/>); lists keyed
/// by a string (categories, currencies, months) page on that key (<see cref="StartingAfterKey"/>).
/// </summary>
internal readonly record struct AdminPage(int Limit, long? StartingAfter, string? Error)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 100;
    private const string CursorMessage = "'starting_after' must be the next_cursor of the previous page.";

    /// <summary>The query parameter <see cref="Error"/> is about: <c>limit</c> or <c>starting_after</c>.</summary>
    public string ErrorField { get; init; } = "starting_after";

    /// <summary>The cursor of a list keyed by a string, already checked to be one of its keys' shape.</summary>
    public string? StartingAfterKey { get; init; }

    public static AdminPage Parse(IQueryCollection query)
    {
        if (ParseLimit(query) is not { } limit) return LimitError;
        var after = query["starting_after"].ToString();
        if (after.Length == 0) return new(limit, null, null);
        return long.TryParse(after, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? new(limit, id, null)
            : new(0, null, "'starting_after' must be the id of the last item of the previous page.");
    }

    /// <summary>For a list keyed by a string: a cursor that <paramref name="isKey"/> refuses is a 400 before it reaches the database.</summary>
    public static AdminPage ParseKey(IQueryCollection query, Func<string, bool> isKey)
    {
        if (ParseLimit(query) is not { } limit) return LimitError;
        var after = query["starting_after"].ToString();
        if (after.Length == 0) return new(limit, null, null);
        return isKey(after) ? new(limit, null, null) { StartingAfterKey = after } : new(0, null, CursorMessage);
    }

    private static AdminPage LimitError => new(0, null, $"'limit' must be an integer from 1 to {MaxLimit}.") { ErrorField = "limit" };

    private static int? ParseLimit(IQueryCollection query)
    {
        var l = query["limit"].ToString();
        if (l.Length == 0) return DefaultLimit;
        return int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= MaxLimit ? limit : null;
    }

    /// <summary>
    /// One page of a list newest first by a numeric id, in one query: the cursor's filter (a plain <c>id &lt; cursor</c>,
    /// so the index on the id is used), the order, and one row more than the page to tell whether there is a next one.
    /// </summary>
    public Task<List<T>> NewestFirstAsync<T>(IQueryable<T> query, Expression<Func<T, long>> id, CancellationToken ct)
    {
        if (StartingAfter is { } after)
            query = query.Where(Expression.Lambda<Func<T, bool>>(Expression.LessThan(id.Body, Parameter(after)), id.Parameters));
        return query.OrderByDescending(id).Take(Limit + 1).ToListAsync(ct);
    }

    /// <summary>One page of a list ordered by a string key (ascending, or descending for months), the cursor being the last key.</summary>
    public Task<List<T>> ByKeyAsync<T>(IQueryable<T> query, Expression<Func<T, string>> key, bool descending, CancellationToken ct)
    {
        if (StartingAfterKey is { } after)
        {
            var compare = Expression.Call(typeof(string).GetMethod(nameof(string.Compare), [typeof(string), typeof(string)])!, key.Body, Parameter(after));
            var beyond = descending ? Expression.LessThan(compare, Expression.Constant(0)) : Expression.GreaterThan(compare, Expression.Constant(0));
            query = query.Where(Expression.Lambda<Func<T, bool>>(beyond, key.Parameters));
        }
        return (descending ? query.OrderByDescending(key) : query.OrderBy(key)).Take(Limit + 1).ToListAsync(ct);
    }

    /// <summary>The cursor as a query parameter (a closure's member, as EF reads it), not a literal in the SQL.</summary>
    private static MemberExpression Parameter<TValue>(TValue value) =>
        Expression.Property(Expression.Constant(new Cursor<TValue>(value)), nameof(Cursor<TValue>.Value));

    private sealed class Cursor<TValue>(TValue value)
    {
        public TValue Value { get; } = value;
    }

    /// <summary>Cuts the one-extra row that tells whether there is a next page.</summary>
    public PageResponse<T> Page<T>(List<T> rowsPlusOne, Func<T, long> id) =>
        Page(rowsPlusOne, (Func<T, string>)(x => id(x).ToString(CultureInfo.InvariantCulture)));

    /// <summary>Cuts the one-extra row; the cursor is the last row's key.</summary>
    public PageResponse<T> Page<T>(List<T> rowsPlusOne, Func<T, string> key)
    {
        var more = rowsPlusOne.Count > Limit;
        var data = more ? rowsPlusOne[..Limit] : rowsPlusOne;
        return new PageResponse<T>(data, more, more ? key(data[^1]) : null);
    }
}

internal static class AdminPagingOpenApi
{
    /// <summary>Declares the page parameters, which the handler reads from the query by hand, in the OpenAPI document.</summary>
    public static RouteHandlerBuilder WithPaging(this RouteHandlerBuilder builder) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "limit", In = ParameterLocation.Query,
                Description = $"Page size, 1–{AdminPage.MaxLimit} (default {AdminPage.DefaultLimit}).",
                Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1", Maximum = AdminPage.MaxLimit.ToString(CultureInfo.InvariantCulture) },
            });
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "starting_after", In = ParameterLocation.Query,
                Description = "The next_cursor of the previous page.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
            return Task.CompletedTask;
        });
}
