using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Canopy.Tests.Cnaught;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Trust;

/// <summary>
/// Walks every route of the two public dialects in the OpenAPI document with a second account's live and test tokens
/// and the first account's ids (live and sandbox): never a foreign object — always 404, or 400 invalid-subaccount for a
/// foreign X-Subaccount-Id — and lists that never show the first account's objects. The first account's objects are
/// unchanged afterwards.
/// </summary>
public abstract class IsolationWalkTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A 1×1 PNG.</summary>
    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    [Fact]
    public async Task ASecondAccountsTokensNeverReachTheFirstAccountsObjects()
    {
        app.RequireAvailable();
        var first = await app.CreateCnaughtCustomerAsync(billing: "invoice", credits: 100_000);
        var second = await app.CreateCnaughtCustomerAsync(billing: "invoice", credits: 100_000);

        // The first account's objects, live and sandbox.
        var liveSub = (await first.Live.PostJsonAsync("/v1/subaccounts", new { name = "First live sub" }, HttpStatusCode.Created))["id"]!.GetValue<string>();
        var testSub = (await first.Test.PostJsonAsync("/v1/subaccounts", new { name = "First test sub" }, HttpStatusCode.Created))["id"]!.GetValue<string>();
        var logo = new ByteArrayContent(Png);
        logo.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        Assert.Equal(HttpStatusCode.OK, (await first.Live.PutAsync($"/v1/subaccounts/{liveSub}/logo", logo, Ct)).StatusCode);
        var liveOrder = (await first.Live.PlaceOrderAsync(new { amount_kg = 1 }, liveSub))["id"]!.GetValue<string>();
        var testOrder = (await first.Test.PlaceOrderAsync(new { amount_kg = 1 }, testSub))["id"]!.GetValue<string>();
        var wrenOrder = await (await app.WithBasic(first.Account.LiveToken).PostRawAsync("/api/offset-orders",
            """{"tons":0.01,"paymentMethod":"credits","note":"first account note"}""")).ReadJsonAsync(HttpStatusCode.OK);
        var wrenId = wrenOrder["id"]!.GetValue<string>();
        string[] secrets = [liveSub, testSub, liveOrder, testOrder, wrenId, "First live sub", "First test sub", "first account note"];
        var before = await SnapshotAsync(first, liveSub, testSub, liveOrder, testOrder);

        var doc = await app.Anonymous().GetJsonAsync("/openapi/v1.json");
        var walked = 0;
        foreach (var (template, item) in doc["paths"]!.AsObject())
        {
            if (!template.StartsWith("/v1/", StringComparison.Ordinal) && !template.StartsWith("/api/", StringComparison.Ordinal)) continue;
            foreach (var (method, op) in item!.AsObject())
            {
                var headers = op!["parameters"]?.AsArray().Where(p => p!["in"]!.GetValue<string>() == "header").Select(p => p!["name"]!.GetValue<string>()).ToHashSet() ?? [];
                foreach (var token in new[] { second.Account.LiveToken, second.Account.TestToken })
                {
                    var client = template.StartsWith("/api/", StringComparison.Ordinal) ? app.WithBasic(token) : app.WithBearer(token);
                    var foreignIds = template.StartsWith("/v1/orders/{id}", StringComparison.Ordinal) ? new[] { liveOrder, testOrder }
                        : template.StartsWith("/v1/subaccounts/{id}", StringComparison.Ordinal) ? [liveSub, testSub]
                        : [];
                    foreach (var id in foreignIds)
                    {
                        walked++;
                        var response = await SendAsync(client, method, template.Replace("{id}", id, StringComparison.Ordinal), null);
                        var text = await response.Content.ReadAsStringAsync(Ct);
                        Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{method} {template} with {id}: {(int)response.StatusCode} {text}");
                        Assert.All(secrets, s => Assert.DoesNotContain(s, text, StringComparison.Ordinal));
                    }
                    if (headers.Contains("X-Subaccount-Id"))
                    {
                        foreach (var sub in new[] { liveSub, testSub })
                        {
                            walked++;
                            var url = template.Replace("{id}", "nope1234", StringComparison.Ordinal);
                            var response = await SendAsync(client, method, url, sub);
                            var text = await response.Content.ReadAsStringAsync(Ct);
                            Assert.True(response.StatusCode == HttpStatusCode.BadRequest && text.Contains("invalid-subaccount", StringComparison.Ordinal),
                                $"{method} {template} with X-Subaccount-Id {sub}: {(int)response.StatusCode} {text}");
                        }
                    }
                    if (method == "get" && !template.Contains('{', StringComparison.Ordinal))
                    {
                        walked++;
                        var response = await client.GetAsync(template, Ct);
                        var text = await response.Content.ReadAsStringAsync(Ct);
                        Assert.True((int)response.StatusCode < 500, $"GET {template}: {(int)response.StatusCode} {text}");
                        Assert.All(secrets, s => Assert.DoesNotContain(s, text, StringComparison.Ordinal));
                        // Paging from the first account's ids is answered exactly as paging from an id that does not exist
                        // (the error may repeat the cursor the client sent, nothing else).
                        var unknown = await client.GetAsync($"{template}?starting_after=Zz9Zz9Zz9Zz9", Ct);
                        foreach (var cursor in new[] { liveOrder, liveSub })
                        {
                            var paged = await client.GetAsync($"{template}?starting_after={cursor}", Ct);
                            var pagedText = await paged.Content.ReadAsStringAsync(Ct);
                            Assert.Equal(unknown.StatusCode, paged.StatusCode);
                            Assert.All(secrets.Where(s => s != cursor), s => Assert.DoesNotContain(s, pagedText, StringComparison.Ordinal));
                        }
                    }
                }
            }
        }
        Assert.True(walked >= 30, $"Only {walked} requests walked.");
        Assert.Equal(before, await SnapshotAsync(first, liveSub, testSub, liveOrder, testOrder));
        await app.AssertLedgerSoundAsync();
    }

    /// <summary>A valid-looking request for the route, so that only ownership can refuse it.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpClient client, string method, string url, string? subaccount)
    {
        var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), url);
        if (subaccount is not null) request.Headers.Add("X-Subaccount-Id", subaccount);
        if (method is "post" or "put" or "patch")
        {
            if (url.EndsWith("/logo", StringComparison.Ordinal) && method == "put")
            {
                request.Content = new ByteArrayContent(Png);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            }
            else
            {
                var body = url.EndsWith("/logo", StringComparison.Ordinal) ? """{"logo_url":"https://example.com/x.png"}"""
                    : url.Contains("/subaccounts", StringComparison.Ordinal) ? """{"name":"Taken over"}"""
                    : url.Contains("/quotes", StringComparison.Ordinal) || url.Contains("/orders", StringComparison.Ordinal)
                        ? """{"amount_kg":1,"distance_km":10,"freight_mass_kg":100,"square_footage":100,"vehicle_type":"small_bus"}"""
                    : """{"tons":0.01,"amountInUsdCents":100,"projectId":1,"amountOfTrees":1,"distance_km":1,"amount_kg":1,"name":"x"}""";
                request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            }
        }
        return await client.SendAsync(request, Ct);
    }

    private static async Task<string> SnapshotAsync(CnaughtCustomer first, string liveSub, string testSub, string liveOrder, string testOrder)
    {
        var parts = new[]
        {
            await first.Live.GetJsonAsync($"/v1/subaccounts/{liveSub}"),
            await first.Test.GetJsonAsync($"/v1/subaccounts/{testSub}"),
            await first.Live.GetJsonAsync($"/v1/orders/{liveOrder}"),
            await first.Test.GetJsonAsync($"/v1/orders/{testOrder}"),
            await first.Live.GetJsonAsync("/v1/orders"),
        };
        return string.Join("\n", parts.Select(p => p.ToJsonString()));
    }
}

public sealed class IsolationWalkTestsOnSqlite(SqliteApp app) : IsolationWalkTests(app), IClassFixture<SqliteApp>;

public sealed class IsolationWalkTestsOnPostgres(PostgresApp app) : IsolationWalkTests(app), IClassFixture<PostgresApp>;
