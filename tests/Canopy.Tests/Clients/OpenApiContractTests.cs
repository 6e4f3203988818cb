using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Clients;

/// <summary>
/// /openapi/v1.json as client generators read it: the validators' rules in the request schemas, closed sets as enums,
/// timestamps as date-time, each dialect's error shape. The document is also written to artifacts/openapi/v1.json,
/// where .ci/run lints it with Redocly's recommended rules.
/// </summary>
public abstract class OpenApiContractTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private static JsonNode Body(JsonNode doc, string path, string method = "post") =>
        doc["paths"]![path]![method]!["requestBody"]!["content"]!["application/json"]!["schema"]!;

    private static JsonNode Resolve(JsonNode doc, JsonNode schema) =>
        schema["$ref"] is { } r ? doc["components"]!["schemas"]![r.GetValue<string>().Split('/')[^1]]! : schema;

    private static string[] Names(JsonNode? array) => array is null ? [] : [.. array.AsArray().Select(n => n?.GetValue<string>() ?? "null")];

    [Fact]
    public async Task RequestSchemasCarryTheRulesTheValidatorsEnforce()
    {
        app.RequireAvailable();
        var text = await OpenApiDocument.FetchAsync(app, Ct);
        var target = Path.Combine(OpenApiDocument.RepositoryRoot(), "artifacts", "openapi", "v1.json");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        await File.WriteAllTextAsync(target, text, Ct);
        var doc = JsonNode.Parse(text)!;

        var order = Body(doc, "/v1/orders");
        Assert.Equal("0", order["properties"]!["amount_kg"]!["exclusiveMinimum"]!.ToJsonString());
        Assert.Equal("10000000000", order["properties"]!["amount_kg"]!["maximum"]!.ToJsonString());
        Assert.Equal(512, order["properties"]!["metadata"]!["maxLength"]!.GetValue<int>());
        Assert.Equal("uri", order["properties"]!["notification_config"]!["properties"]!["url"]!["format"]!.GetValue<string>());
        Assert.Null(order["required"]); // amount_kg or total_price_usd_cents: neither alone is required

        var transport = Body(doc, "/v1/quotes/ground-transport");
        Assert.Equal(["distance_km", "vehicle_type"], Names(transport["required"]).Order(StringComparer.Ordinal));
        Assert.Equal(["coach_bus", "passenger_car_van_or_suv", "school_bus", "small_bus"], Names(transport["properties"]!["vehicle_type"]!["enum"]));
        Assert.Equal(["distance_km", "portfolio_id", "source", "vehicle_type"], transport["properties"]!.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal(["api", "checkout"], Names(transport["properties"]!["source"]!["enum"]));
        Assert.Equal(["square_footage"], Names(Body(doc, "/v1/quotes/office-space")["required"]));
        Assert.Equal(["distance_km", "freight_mass_kg"], Names(Body(doc, "/v1/quotes/air-freight")["required"]).Order(StringComparer.Ordinal));
        Assert.Equal(["name"], Names(Body(doc, "/v1/subaccounts")["required"]));
        Assert.Equal(512, Body(doc, "/v1/subaccounts")["properties"]!["name"]!["maxLength"]!.GetValue<int>());

        var offset = Body(doc, "/api/offset-orders");
        Assert.Equal(["tons"], Names(offset["required"]));
        Assert.Equal(["stripe", "credits"], Names(offset["properties"]!["paymentMethod"]!["enum"]));
        Assert.Equal("email", offset["properties"]!["onBehalfOfEmail"]!["format"]!.GetValue<string>());
        Assert.Equal(1000, offset["properties"]!["note"]!["maxLength"]!.GetValue<int>());
        Assert.Equal("100", Body(doc, "/api/project-orders")["properties"]!["amountInUsdCents"]!["minimum"]!.ToJsonString());

        var project = Body(doc, "/admin/projects");
        Assert.Equal(["kind", "name"], Names(project["required"]).Order(StringComparer.Ordinal));
        Assert.Equal(["offset", "donation", "tree"], Names(project["properties"]!["kind"]!["enum"]));
        Assert.Equal("17", project["properties"]!["un_sdg_goals"]!["items"]!["maximum"]!.ToJsonString());
        Assert.Equal("^[A-Za-z0-9_-]{1,64}$", project["properties"]!["id"]!["pattern"]!.GetValue<string>());
        Assert.Equal("uri", project["properties"]!["news_articles"]!["items"]!["properties"]!["url"]!["format"]!.GetValue<string>());
        Assert.Equal(["author", "published_on", "title", "url"],
            Names(project["properties"]!["news_articles"]!["items"]!["required"]).Order(StringComparer.Ordinal));

        // Responses: closed sets and timestamps.
        var cnaughtOrder = doc["components"]!["schemas"]!["CnaughtOrder"]!;
        Assert.Equal(["placed", "fulfilled", "cancelled"], Names(cnaughtOrder["properties"]!["state"]!["enum"]));
        Assert.Equal(["generic", "ride"], Names(cnaughtOrder["properties"]!["type"]!["enum"]));
        Assert.Equal(["live", "test"], Names(Resolve(doc, doc["components"]!["schemas"]!["TokenResponse"]!["properties"]!["mode"]!)["enum"]));

        var timestamps = new List<string>();
        void Walk(JsonNode? node, string where)
        {
            if (node is JsonObject o)
            {
                if (o["properties"] is JsonObject props)
                    foreach (var (name, p) in props)
                        if ((name.EndsWith("_at", StringComparison.Ordinal) || name.EndsWith("_on", StringComparison.Ordinal) || name.EndsWith("_date", StringComparison.Ordinal)) && p?["$ref"] is null)
                        {
                            timestamps.Add(where + "." + name);
                            Assert.True(p?["format"]?.GetValue<string>() == "date-time" && p["type"] is not null, $"{where}.{name} is not a typed date-time: {p?.ToJsonString()}");
                        }
                foreach (var (key, child) in o) Walk(child, where + "/" + key);
            }
            else if (node is JsonArray a) foreach (var child in a) Walk(child, where);
        }
        Walk(doc, "#");
        Assert.True(timestamps.Count >= 13, $"only {timestamps.Count} timestamps");

        // Each dialect's errors in its own shape.
        foreach (var (path, item) in doc["paths"]!.AsObject())
            foreach (var (method, operation) in item!.AsObject())
                foreach (var (status, response) in operation!["responses"]!.AsObject().Where(r => r.Key.StartsWith('4') && r.Value?["content"] is not null))
                {
                    var content = response!["content"]!.AsObject();
                    if (path.StartsWith("/v1/", StringComparison.Ordinal))
                        Assert.Equal("#/components/schemas/CnaughtProblem", content["application/problem+json"]?["schema"]?["$ref"]?.GetValue<string>());
                    else if (path.StartsWith("/api/", StringComparison.Ordinal))
                        Assert.Equal("#/components/schemas/WrenMessage", content["application/json"]?["schema"]?["$ref"]?.GetValue<string>());
                }
        var problem = doc["components"]!["schemas"]!["CnaughtProblem"]!["properties"]!.AsObject();
        Assert.Equal(["detail", "errors", "status", "title", "trace_id", "type"], problem.Select(p => p.Key).Order(StringComparer.Ordinal));

        var constraints = CountKeys(doc, "maximum", "exclusiveMinimum", "minimum", "maxLength", "pattern");
        Assert.True(constraints > 100, $"only {constraints} constraints");
    }

    private static int CountKeys(JsonNode? node, params string[] keys) => node switch
    {
        JsonObject o => o.Count(kv => keys.Contains(kv.Key)) + o.Sum(kv => CountKeys(kv.Value, keys)),
        JsonArray a => a.Sum(n => CountKeys(n, keys)),
        _ => 0,
    };

    [Fact]
    public async Task EveryRequestExampleIsAcceptedAsIs()
    {
        app.RequireAvailable();
        // The examples name Wren project 1 and no portfolio: this fixture's first project, and the accounts' defaults.
        var offset = (await app.CreateProjectAsync(1_500))["id"]!.GetValue<string>();
        await app.CreateProjectAsync(150, kind: "tree");
        var portfolio = (await app.CreatePortfolioAsync((offset, 1m)))["id"]!.GetValue<string>();
        var account = await app.CreateAccountAsync(creditsUsdCents: 10_000_000);
        await app.Admin().PatchJsonAsync($"/admin/accounts/{account.Id}", new { billing = "credits", default_portfolio_id = portfolio });
        var live = app.WithBearer(account.LiveToken);
        var subaccount = (await live.PostJsonAsync("/v1/subaccounts", new { name = "Examples" }, HttpStatusCode.Created))["id"]!.GetValue<string>();

        var doc = JsonNode.Parse(await OpenApiDocument.FetchAsync(app, Ct))!;
        var sent = new List<string>();
        foreach (var (path, item) in doc["paths"]!.AsObject())
            foreach (var (method, operation) in item!.AsObject())
            {
                if (operation?["requestBody"]?["content"]?["application/json"]?["example"] is not JsonObject example) continue;
                var body = (JsonObject)example.DeepClone();
                if (body.ContainsKey("project_id")) body["project_id"] = offset;
                var url = path.Replace("/v1/subaccounts/{id}", "/v1/subaccounts/" + subaccount, StringComparison.Ordinal)
                    .Replace("/admin/accounts/{id}", "/admin/accounts/" + account.Id, StringComparison.Ordinal);
                if (url.Contains('{', StringComparison.Ordinal)) continue;
                var client = path.StartsWith("/admin/", StringComparison.Ordinal) ? app.Admin() : live;
                var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), url)
                {
                    Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
                };
                var response = await client.SendAsync(request, Ct);
                var answer = await response.Content.ReadAsStringAsync(Ct);
                Assert.True(response.IsSuccessStatusCode, $"{method} {path} refused its own example {body.ToJsonString()}: {(int)response.StatusCode} {answer}");
                sent.Add($"{method} {path}");
            }
        foreach (var expected in new[] { "post /v1/orders", "post /v1/orders/ride", "post /v1/quotes", "post /v1/quotes/office-space", "post /v1/subaccounts",
                     "put /v1/subaccounts/{id}", "post /v1/subaccounts/{id}/logo", "post /api/offset-orders", "post /api/project-orders", "post /api/tree-orders",
                     "post /admin/accounts", "post /admin/projects", "post /admin/inventory" })
            Assert.Contains(expected, sent);
    }
}

public sealed class OpenApiContractTestsOnSqlite(SqliteApp app) : OpenApiContractTests(app), IClassFixture<SqliteApp>;

public sealed class OpenApiContractTestsOnPostgres(PostgresApp app) : OpenApiContractTests(app), IClassFixture<PostgresApp>;
