using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Canopy.Tests.Infrastructure;

/// <summary>An account made through the operator API for one test, with its secrets.</summary>
public sealed record TestAccount(long Id, string LiveToken, string TestToken);

/// <summary>Builders that go through the operator API, as a real operator would.</summary>
public static class TestData
{
    /// <summary>A short unique id for catalogue objects, so that tests sharing an app never collide.</summary>
    public static string NewId(string prefix = "t") => prefix + Guid.NewGuid().ToString("N")[..10];

    public static async Task<TestAccount> CreateAccountAsync(this CanopyApp app, object? body = null, long creditsUsdCents = 0)
    {
        var admin = app.Admin();
        var ct = TestContext.Current.CancellationToken;
        var account = await admin.PostJsonAsync("/admin/accounts", body ?? new { name = "Test Co " + NewId() }, HttpStatusCode.Created);
        var id = account["id"]!.GetValue<long>();
        var live = await admin.PostJsonAsync($"/admin/accounts/{id}/tokens", new { mode = "live" }, HttpStatusCode.Created);
        var test = await admin.PostJsonAsync($"/admin/accounts/{id}/tokens", new { mode = "test" }, HttpStatusCode.Created);
        if (creditsUsdCents > 0)
            await admin.PostJsonAsync($"/admin/accounts/{id}/credits", new { amount_usd_cents = creditsUsdCents }, HttpStatusCode.OK);
        return new TestAccount(id, live["token"]!.GetValue<string>(), test["token"]!.GetValue<string>());
    }

    /// <summary>An offset project with a fresh id; returns the project JSON (id, wren_id, …).</summary>
    public static Task<JsonObject> CreateProjectAsync(this CanopyApp app, long centsPerTonne = 1_000, string kind = "offset",
        bool certified = true, string? categoryId = null, string? id = null)
    {
        object body = kind == "tree"
            ? new { id = id ?? NewId("p"), name = "Tree project " + NewId(), kind, cost_per_tree_usd_cents = centsPerTonne, category_id = categoryId }
            : new { id = id ?? NewId("p"), name = "Project " + NewId(), kind, cost_per_ton_usd_cents = centsPerTonne, certified, category_id = categoryId, type = "Biochar" };
        return app.Admin().PostJsonAsync("/admin/projects", body, HttpStatusCode.Created);
    }

    /// <summary>A portfolio over the given (project id, fraction) pairs.</summary>
    public static Task<JsonObject> CreatePortfolioAsync(this CanopyApp app, params (string ProjectId, decimal Fraction)[] allocations) =>
        app.Admin().PostJsonAsync("/admin/portfolios", new
        {
            id = NewId("f"),
            name = "Portfolio " + NewId(),
            allocations = allocations.Select(a => new { project_id = a.ProjectId, fraction = a.Fraction }).ToArray(),
        }, HttpStatusCode.Created);

    /// <summary>An account's prepaid credits, as the operator API reports them.</summary>
    public static async Task<long> CreditsAsync(this CanopyApp app, long accountId) =>
        (await app.Admin().GetJsonAsync($"/admin/accounts/{accountId}/credits"))["balance_usd_cents"]!.GetValue<long>();

    /// <summary>GET /admin/ledger/check is ok, with every list of problems empty.</summary>
    public static async Task AssertLedgerSoundAsync(this CanopyApp app)
    {
        var report = await app.Admin().GetJsonAsync("/admin/ledger/check");
        Assert.True(report["ok"]!.GetValue<bool>(), report.ToJsonString());
        Assert.Empty(report["unbalanced_transactions"]!.AsArray());
        Assert.Empty(report["balance_mismatches"]!.AsArray());
        Assert.Empty(report["negative_credit_accounts"]!.AsArray());
        Assert.Empty(report["negative_batches"]!.AsArray());
        Assert.Empty(report["mixed_currency_transactions"]!.AsArray());
        var carbon = report["carbon"]!;
        Assert.Equal(carbon["grams_retired_per_batches"]!.GetValue<long>(), carbon["grams_in_live_retirements"]!.GetValue<long>());
        Assert.Empty(carbon["fulfilled_allocations_not_fully_retired"]!.AsArray());
        Assert.Empty(carbon["allocations_over_retired"]!.AsArray());
        Assert.Empty(carbon["batches_not_matching_retirements"]!.AsArray());
        Assert.Empty(carbon["orders_not_reconciled"]!.AsArray());
    }

    /// <summary>POSTs JSON, asserts the status, returns the JSON object body.</summary>
    public static async Task<JsonObject> PostJsonAsync(this HttpClient client, string url, object body, HttpStatusCode expected)
    {
        var response = await client.PostAsJsonAsync(url, body, TestContext.Current.CancellationToken);
        return await response.ReadJsonAsync(expected);
    }

    /// <summary>PATCHes JSON, asserts 200, returns the JSON object body.</summary>
    public static async Task<JsonObject> PatchJsonAsync(this HttpClient client, string url, object body, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await client.PatchAsJsonAsync(url, body, TestContext.Current.CancellationToken);
        return await response.ReadJsonAsync(expected);
    }

    public static async Task<JsonObject> GetJsonAsync(this HttpClient client, string url, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await client.GetAsync(url, TestContext.Current.CancellationToken);
        return await response.ReadJsonAsync(expected);
    }

    /// <summary>Every item of an operator list, walking its pages (limit=100, starting_after = next_cursor).</summary>
    public static async Task<JsonArray> ListAllAsync(this HttpClient client, string url)
    {
        var all = new JsonArray();
        string? cursor = null;
        var separator = url.Contains('?', StringComparison.Ordinal) ? "&" : "?";
        while (true)
        {
            var page = await client.GetJsonAsync($"{url}{separator}limit=100" + (cursor is null ? "" : "&starting_after=" + Uri.EscapeDataString(cursor)));
            foreach (var item in page["data"]!.AsArray()) all.Add(item!.DeepClone());
            if (!page["has_more"]!.GetValue<bool>()) return all;
            cursor = page["next_cursor"]!.GetValue<string>();
        }
    }

    /// <summary>POSTs a raw body with a content type (malformed JSON, forms, wrong types).</summary>
    public static Task<HttpResponseMessage> PostRawAsync(this HttpClient client, string url, string body, string contentType = "application/json") =>
        client.PostAsync(url, new StringContent(body, System.Text.Encoding.UTF8, contentType), TestContext.Current.CancellationToken);

    public static async Task<JsonObject> ReadJsonAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text) as JsonObject ?? throw new Xunit.Sdk.XunitException($"Body is not a JSON object: {text}");
    }

    /// <summary>The property names of a JSON object, sorted, for exact-shape assertions.</summary>
    public static string[] Keys(this JsonNode? node) => [.. node!.AsObject().Select(kv => kv.Key).Order(StringComparer.Ordinal)];
}
