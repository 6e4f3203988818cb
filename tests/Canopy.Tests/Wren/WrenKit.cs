using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Canopy.Data;
using Canopy.Ledger;
using Canopy.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Tests.Wren;

/// <summary>What an account has left in the database: what "nothing written" is measured against.</summary>
public sealed record Footprint(int Orders, int Allocations, int LedgerTransactions, int LedgerEntries, int Outbox, long CreditsUsdCents);

/// <summary>Builders and probes shared by the Wren dialect tests.</summary>
internal static class WrenKit
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>An offset project and a one-project portfolio over it; returns (portfolio wren id, project wren id).</summary>
    public static async Task<(long PortfolioId, long ProjectId)> SingleProjectPortfolioAsync(this CanopyApp app, long centsPerTonne, bool certified = true)
    {
        var project = await app.CreateProjectAsync(centsPerTonne, certified: certified);
        var portfolio = await app.CreatePortfolioAsync((project["id"]!.GetValue<string>(), 1m));
        return (portfolio["wren_id"]!.GetValue<long>(), project["wren_id"]!.GetValue<long>());
    }

    public static long WrenId(this JsonObject created) => created["wren_id"]!.GetValue<long>();

    public static string PublicId(this JsonObject created) => created["id"]!.GetValue<string>();

    public static Task GiveCardAsync(this CanopyApp app, long accountId, string paymentMethod = "pm_card_visa") =>
        app.Admin().PostJsonAsync($"/admin/accounts/{accountId}/card", new { payment_method = paymentMethod }, HttpStatusCode.OK);

    public static async Task SetFxRateAsync(this CanopyApp app, string currency, decimal unitsPerUsd)
    {
        var response = await app.Admin().PutAsJsonAsync($"/admin/fx-rates/{currency}", new { units_per_usd = unitsPerUsd }, Ct);
        await response.ReadJsonAsync(HttpStatusCode.OK);
    }

    public static async Task PatchAccountAsync(this CanopyApp app, long accountId, object body)
    {
        var response = await app.Admin().PatchAsJsonAsync($"/admin/accounts/{accountId}", body, Ct);
        await response.ReadJsonAsync(HttpStatusCode.OK);
    }

    /// <summary>Counts, straight from the database, of everything an order of this account could have written.</summary>
    public static async Task<Footprint> FootprintAsync(this CanopyApp app, long accountId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        var code = LedgerAccount.CodeFor(LedgerAccountKind.CustomerCredits, "USD", accountId);
        return new Footprint(
            await db.Orders.CountAsync(o => o.AccountId == accountId, Ct),
            await db.OrderAllocations.CountAsync(a => a.AccountId == accountId, Ct),
            await db.LedgerTransactions.CountAsync(Ct),
            await db.LedgerEntries.CountAsync(Ct),
            await db.OutboxMessages.CountAsync(m => m.AccountId == accountId, Ct),
            await db.LedgerAccounts.Where(a => a.Code == code).Select(a => a.Balance).FirstOrDefaultAsync(Ct));
    }

    public static async Task<HttpResponseMessage> PostFormAsync(this HttpClient client, string url, params (string Key, string Value)[] fields)
    {
        using var content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)));
        return await client.PostAsync(url, content, Ct);
    }

    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string url, object body) =>
        client.PostAsJsonAsync(url, body, Ct);

    /// <summary>Asserts a Wren error: the status, a body of exactly {"message"}, and returns the message.</summary>
    public static async Task<string> ReadWrenErrorAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var body = await response.ReadJsonAsync(expected);
        Assert.Equal(["message"], body.Keys());
        var message = body["message"]!.GetValue<string>();
        Assert.False(string.IsNullOrWhiteSpace(message));
        return message;
    }

    public static decimal Dec(this JsonNode? node) => node!.GetValue<decimal>();

    public static long Long(this JsonNode? node) => node!.GetValue<long>();

    public static string Str(this JsonNode? node) => node!.GetValue<string>();

    /// <summary>Hamilton's method, written out again here so the tests do not check the code against itself.</summary>
    public static long[] SplitLargestRemainder(long total, long[] weights)
    {
        var sum = weights.Sum();
        var parts = weights.Select(w => (long)((Int128)total * w / sum)).ToArray();
        var remainders = weights.Select(w => (long)((Int128)total * w % sum)).ToArray();
        var leftover = total - parts.Sum();
        foreach (var i in Enumerable.Range(0, weights.Length).OrderByDescending(i => remainders[i]).ThenBy(i => i).Take((int)leftover))
            parts[i]++;
        return parts;
    }
}
