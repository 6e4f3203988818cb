using System.Text.Json.Nodes;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Foundation;

/// <summary>What handlers read by hand is still in the OpenAPI document: security, headers, query parameters (database-independent: run once).</summary>
public sealed class OpenApiConventionsTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private static string[] ParameterNames(JsonNode operation) =>
        [.. (operation["parameters"]?.AsArray() ?? []).Select(p => p!["name"]!.GetValue<string>())];

    [Fact]
    public async Task SecurityHeadersAndQueriesAreDescribed()
    {
        var doc = await app.Anonymous().GetJsonAsync("/openapi/v1.json");
        var schemes = doc["components"]!["securitySchemes"]!.AsObject();
        Assert.Equal("bearer", schemes["bearer"]!["scheme"]!.GetValue<string>());
        Assert.Equal("basic", schemes["wrenBasic"]!["scheme"]!.GetValue<string>());

        var paths = doc["paths"]!;
        Assert.Equal("[{}]", paths["/api/portfolios"]!["get"]!["security"]!.ToJsonString()); // no credentials, said explicitly
        Assert.Equal(2, paths["/api/offset-orders"]!["post"]!["security"]!.AsArray().Count);
        Assert.NotNull(paths["/admin/accounts"]!["post"]!["security"]);

        Assert.Contains("Idempotency-Key", ParameterNames(paths["/api/offset-orders"]!["post"]!));
        Assert.Contains("Idempotency-Key", ParameterNames(paths["/v1/orders"]!["post"]!));
        Assert.Contains("X-Subaccount-Id", ParameterNames(paths["/v1/orders"]!["post"]!));
        Assert.Equal(["X-Subaccount-Id", "limit", "starting_after", "ending_before"], ParameterNames(paths["/v1/orders"]!["get"]!));
        Assert.Equal(["limit", "starting_after", "ending_before"], ParameterNames(paths["/v1/subaccounts"]!["get"]!));
        Assert.Contains("from", ParameterNames(paths["/v1/impact/data"]!["get"]!));

        var wrenBody = paths["/api/offset-orders"]!["post"]!["requestBody"]!["content"]!.AsObject();
        Assert.Contains("application/x-www-form-urlencoded", wrenBody.Select(kv => kv.Key));
        Assert.Contains("portfolioId", wrenBody["application/json"]!["schema"]!["properties"]!.AsObject().Select(kv => kv.Key));
    }
}
