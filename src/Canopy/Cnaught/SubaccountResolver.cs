using Canopy.Accounts;
using Canopy.Data;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Cnaught;

/// <summary>The subaccount a request names with <c>X-Subaccount-Id</c>, if any.</summary>
internal readonly record struct SubaccountSelection(Subaccount? Subaccount, IResult? Error);

/// <summary>The same from the caller's cached context: what the order path needs, with no query.</summary>
internal readonly record struct SubaccountContextSelection(SubaccountContext? Subaccount, IResult? Error);

internal static class SubaccountResolver
{
    public const string Header = "X-Subaccount-Id";

    /// <summary>No header: no subaccount. An id that is unknown or another account's: 400 invalid-subaccount.</summary>
    public static async Task<SubaccountSelection> ResolveAsync(HttpContext http, CanopyDbContext db, CancellationToken ct)
    {
        if (!http.Request.Headers.TryGetValue(Header, out var values)) return default;
        var id = values.ToString().Trim();
        if (id.Length == 0) return default;
        var caller = http.GetCaller();
        var subaccount = id.Length > 16 ? null : await db.Subaccounts.AsNoTracking()
            .FirstOrDefaultAsync(s => s.PublicId == id && s.AccountId == caller.AccountId && s.Mode == caller.Mode, ct);
        return subaccount is null
            ? new SubaccountSelection(null, CnaughtProblems.InvalidSubaccount($"No subaccount '{Truncate(id)}' exists for this account."))
            : new SubaccountSelection(subaccount, null);
    }

    /// <summary>As <see cref="ResolveAsync"/>, served from the caller's cached <see cref="AccountContext"/>.</summary>
    public static async Task<SubaccountContextSelection> ResolveCachedAsync(HttpContext http, CancellationToken ct)
    {
        if (!http.Request.Headers.TryGetValue(Header, out var values)) return default;
        var id = values.ToString().Trim();
        if (id.Length == 0) return default;
        var caller = http.GetCaller();
        var contexts = http.RequestServices.GetRequiredService<AccountContextCache>();
        var subaccount = id.Length > 16 ? null : await contexts.FindSubaccountAsync(caller.AccountId, caller.Mode, id, ct);
        return subaccount is null
            ? new SubaccountContextSelection(null, CnaughtProblems.InvalidSubaccount($"No subaccount '{Truncate(id)}' exists for this account."))
            : new SubaccountContextSelection(subaccount, null);
    }

    private static string Truncate(string s) => s.Length <= 32 ? s : s[..32] + "…";
}
