using Canopy.Accounts;

namespace Canopy.Cnaught;

/// <summary>The subaccount a request names with <c>X-Subaccount-Id</c>, if any.</summary>
internal readonly record struct SubaccountSelection(SubaccountContext? Subaccount, IResult? Error);

internal static class SubaccountResolver
{
    public const string Header = "X-Subaccount-Id";

    /// <summary>
    /// No header: no subaccount. An id that is unknown or another account's: 400 invalid-subaccount. Served from the
    /// caller's cached <see cref="AccountContext"/> (no query when it is there; an id it lacks is looked up again before
    /// it is refused, so a subaccount created on another node works at once).
    /// </summary>
    public static async Task<SubaccountSelection> ResolveAsync(HttpContext http, CancellationToken ct)
    {
        if (!http.Request.Headers.TryGetValue(Header, out var values)) return default;
        var id = values.ToString().Trim();
        if (id.Length == 0) return default;
        var caller = http.GetCaller();
        var contexts = http.RequestServices.GetRequiredService<AccountContextCache>();
        var subaccount = !SubaccountRules.IsPlausibleId(id) ? null : await contexts.FindSubaccountAsync(caller.AccountId, caller.Mode, id, ct);
        return subaccount is null
            ? new SubaccountSelection(null, CnaughtProblems.InvalidSubaccount($"No subaccount '{Truncate(id)}' exists for this account."))
            : new SubaccountSelection(subaccount, null);
    }

    private static string Truncate(string s) => s.Length <= 32 ? s : s[..32] + "…";
}
