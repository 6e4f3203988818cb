using System.Globalization;
using Canopy.Platform;

namespace Canopy.Catalog;

/// <summary>The catalogue's rules, shared by <see cref="CatalogWrites"/> and the wire validators that report them early.</summary>
internal static class CatalogRules
{
    /// <summary>The id rule as a pattern, for the OpenAPI schema (derived from the validator); <see cref="IsId"/> decides.</summary>
    public const string IdPattern = "^[A-Za-z0-9_-]{1,64}$";
    public const string IdMessage = "'{PropertyName}' must be 1–64 letters, digits, '_' or '-'.";
    public const long MaxCentsPerUnit = 100_000_000; // $1M per tonne or tree

    public const string TonRequired = "'cost_per_ton_usd_cents' is required for offset and donation projects.";
    public const string TreeNotPerTon = "A tree project is priced per tree: give 'cost_per_tree_usd_cents' instead.";
    public const string TreeRequired = "'cost_per_tree_usd_cents' is required for tree projects.";
    public const string OnlyTreesPerTree = "Only tree projects are priced per tree.";
    public const string DistinctProjects = "Each project appears at most once in a portfolio.";

    /// <summary>
    /// A catalogue id: 1–64 letters, digits, '_' or '-'. One rule for ids given and for cursors (a regex with '$' would let
    /// a trailing newline through, and such an id could not be paged from).
    /// </summary>
    public static bool IsId(string text) => text.Length is >= 1 and <= 64 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    /// <summary>A new project's price must match its kind: per tonne for offsets and donations, per tree for trees.</summary>
    public static FieldErrors PriceErrors(ProjectKind kind, long? perTon, long? perTree)
    {
        var errors = new FieldErrors();
        if (kind is ProjectKind.Tree)
        {
            if (perTon is not null) errors.Add("cost_per_ton_usd_cents", TreeNotPerTon);
            if (perTree is null) errors.Add("cost_per_tree_usd_cents", TreeRequired);
        }
        else
        {
            if (perTon is null) errors.Add("cost_per_ton_usd_cents", TonRequired);
            if (perTree is not null) errors.Add("cost_per_tree_usd_cents", OnlyTreesPerTree);
        }
        return errors;
    }

    public static bool HasDistinctProjects(IReadOnlyCollection<string?> projectIds) =>
        projectIds.Distinct(StringComparer.Ordinal).Count() == projectIds.Count;

    /// <summary>A portfolio's fractions split each order whole: they sum to exactly 1.</summary>
    public static bool SumsToOne(IEnumerable<decimal?> fractions) => fractions.Sum(f => f ?? 0) == 1m;

    public static string SumMessage(IEnumerable<decimal?> fractions) =>
        $"The fractions must sum to exactly 1 (they sum to {fractions.Sum(f => f ?? 0).ToString(CultureInfo.InvariantCulture)}).";
}
