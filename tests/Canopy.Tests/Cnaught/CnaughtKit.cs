using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Canopy.Data;
using Canopy.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Tests.Cnaught;

/// <summary>
/// A CNaught customer made for one test: an account with billing set up, two offset projects in two fresh
/// categories (A at 1 000 ¢/t, B at 3 000 ¢/t) and a default portfolio of 25 % A and 75 % B, so that
/// 10 kg costs exactly 25 ¢ (2.5 kg of A, 7.5 kg of B).
/// </summary>
public sealed record CnaughtCustomer(
    TestAccount Account, string PortfolioId, string ProjectA, string ProjectB, string CategoryA, string CategoryB, HttpClient Live, HttpClient Test);

internal static class CnaughtKit
{
    public const string ProblemJson = "application/problem+json";
    public const string ErrorBase = "https://api.cnaught.com/v1/errors/";

    public static readonly string[] OrderKeys = Sorted(
        "id", "order_number", "amount_kg", "created_on", "metadata", "description", "price_usd_cents", "state", "type", "callback_url",
        "certificate_public_url", "certificate_download_public_url", "subaccount_id", "checkout_session_id", "project_allocations");

    public static readonly string[] RideOrderKeys = Sorted([.. OrderKeys, "distance_km"]);

    public static readonly string[] AllocationKeys = Sorted("project", "amount_kg", "retirements");

    /// <summary>Every field of SDK 3.1.0's Project (2.8.0's are a subset).</summary>
    public static readonly string[] ProjectKeys = Sorted(
        "id", "name", "type", "activity_types", "developer", "registry_name", "registry_id", "registry_url", "summary", "description",
        "location_name", "location_latitude", "location_longitude", "primary_image_url", "un_sdg_goals", "methodology", "verifier",
        "permanence", "lifetime", "impact_type", "due_diligence", "beyond_carbon", "risk_of_reversal", "third_party_labels",
        "notable_buyers", "due_diligence_figure", "news_articles");

    /// <summary>SDK 3.1.0's ProjectWithCreditIssuances (GET /v1/projects/{id}).</summary>
    public static readonly string[] ProjectWithCreditIssuancesKeys = Sorted([.. ProjectKeys, "credit_issuances"]);

    public static readonly string[] SubaccountKeys = Sorted("id", "name", "email", "created_on", "default_portfolio_id", "logo_url");

    public static readonly string[] QuoteKeys = Sorted("amount_kg", "price_usd_cents");

    /// <summary>CNaught timestamps: UTC, exactly six fractional digits, Z.</summary>
    public const string TimestampPattern = @"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static string[] Sorted(params string[] keys) => [.. keys.Order(StringComparer.Ordinal)];

    public static async Task<CnaughtCustomer> CreateCnaughtCustomerAsync(this CanopyApp app, string billing = "invoice", long credits = 0)
    {
        var admin = app.Admin();
        var categoryA = await admin.PostJsonAsync("/admin/project-categories", new { id = TestData.NewId("c"), name = "Category " + TestData.NewId() }, HttpStatusCode.Created);
        var categoryB = await admin.PostJsonAsync("/admin/project-categories", new { id = TestData.NewId("c"), name = "Category " + TestData.NewId() }, HttpStatusCode.Created);
        var a = await app.CreateProjectAsync(1_000, categoryId: categoryA["id"]!.GetValue<string>());
        var b = await app.CreateProjectAsync(3_000, categoryId: categoryB["id"]!.GetValue<string>());
        var portfolio = await app.CreatePortfolioAsync((a["id"]!.GetValue<string>(), 0.25m), (b["id"]!.GetValue<string>(), 0.75m));
        var account = await app.CreateAccountAsync(creditsUsdCents: credits);
        await admin.PatchJsonAsync($"/admin/accounts/{account.Id}", new { billing, default_portfolio_id = portfolio["id"]!.GetValue<string>() });
        return new CnaughtCustomer(account, portfolio["id"]!.GetValue<string>(), a["id"]!.GetValue<string>(), b["id"]!.GetValue<string>(),
            categoryA["id"]!.GetValue<string>(), categoryB["id"]!.GetValue<string>(), app.WithBearer(account.LiveToken), app.WithBearer(account.TestToken));
    }

    /// <summary>Sends a request with an optional JSON body (an object, or a raw string sent as-is) and CNaught headers.</summary>
    public static Task<HttpResponseMessage> SendAsync(this HttpClient client, HttpMethod method, string url, object? body = null,
        string? idempotencyKey = null, string? subaccount = null, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(method, url);
        if (body is string raw) request.Content = new StringContent(raw, System.Text.Encoding.UTF8, contentType);
        else if (body is not null) request.Content = JsonContent.Create(body);
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        if (subaccount is not null) request.Headers.Add("X-Subaccount-Id", subaccount);
        return client.SendAsync(request, Ct);
    }

    public static async Task<JsonObject> PlaceOrderAsync(this HttpClient client, object body, string? subaccount = null)
    {
        var response = await client.SendAsync(HttpMethod.Post, "/v1/orders", body, subaccount: subaccount);
        return await response.ReadJsonAsync(HttpStatusCode.Created);
    }

    public static async Task<JsonObject> GetJsonForAsync(this HttpClient client, string url, string? subaccount, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await client.SendAsync(HttpMethod.Get, url, subaccount: subaccount);
        return await response.ReadJsonAsync(expected);
    }

    /// <summary>Asserts an application/problem+json answer of CNaught's <paramref name="type"/>; returns the problem.</summary>
    public static async Task<JsonObject> AssertProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string type,
        string? title = null, string? field = null)
    {
        var body = await response.ReadJsonAsync(status);
        Assert.Equal(ProblemJson, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(ErrorBase + type, body["type"]?.GetValue<string>());
        Assert.Equal((int)status, body["status"]!.GetValue<int>());
        if (title is not null) Assert.Equal(title, body["title"]!.GetValue<string>());
        if (field is not null)
        {
            var errors = body["errors"] as JsonObject;
            Assert.True(errors is not null && errors.ContainsKey(field), $"Expected an error for '{field}': {body.ToJsonString()}");
        }
        return body;
    }

    public static Task<JsonObject> AssertInvalidAsync(this HttpResponseMessage response, string field) =>
        response.AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-parameters", "Your request parameters didn't validate", field);

    public static string[] Ids(this JsonObject list) => [.. list["data"]!.AsArray().Select(o => o!["id"]!.GetValue<string>())];

    public static async Task<T> WithDbAsync<T>(this CanopyApp app, Func<CanopyDbContext, Task<T>> query)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<CanopyDbContext>());
    }

    /// <summary>Ledger transactions concerning one account (top-ups, payments, refunds).</summary>
    public static Task<List<Canopy.Ledger.LedgerTransaction>> LedgerOfAsync(this CanopyApp app, long accountId) =>
        app.WithDbAsync(db => db.LedgerTransactions.AsNoTracking().Include(t => t.Entries).Where(t => t.AccountId == accountId).OrderBy(t => t.Id).ToListAsync(Ct));

    public static Task<int> OrderCountAsync(this CanopyApp app, long accountId) =>
        app.WithDbAsync(db => db.Orders.CountAsync(o => o.AccountId == accountId, Ct));

}
