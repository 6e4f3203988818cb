using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Canopy.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.TestHost;

namespace Canopy.Tests.Foundation;

/// <summary>Health, on each database (the rest of the operations surface does not depend on it: <see cref="ApiDocumentTests"/>).</summary>
public abstract class OperationsTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task HealthEndpointsAnswer200WithoutAuth(string url)
    {
        var response = await app.Anonymous().GetAsync(url, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync(Ct));
    }
}

/// <summary>The OpenAPI document and its Scalar page, and errors that reveal nothing: database-independent, run once.</summary>
public sealed partial class ApiDocumentTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OpenApiListsEveryMappedRoute()
    {
        var doc = await app.Anonymous().GetJsonAsync("/openapi/v1.json");
        Assert.StartsWith("3.", doc["openapi"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("Canopy API", doc["info"]!["title"]!.GetValue<string>());
        var paths = doc["paths"]!.AsObject();

        var mapped = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            // "/admin/accounts/" (a group's "" route) matches "/admin/accounts" and is documented so.
            .Select(e => (Path: "/" + Constraint().Replace(e.RoutePattern.RawText!.Trim('/'), "{$1}"),
                          Methods: e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IHttpMethodMetadata>()?.HttpMethods ?? []))
            .Where(e => e.Path.StartsWith("/admin/", StringComparison.Ordinal) || e.Path.StartsWith("/api/", StringComparison.Ordinal)
                        || e.Path.StartsWith("/v1/", StringComparison.Ordinal))
            .ToList();
        Assert.Contains(mapped, e => e.Path == "/admin/accounts/{id}");
        Assert.Contains(mapped, e => e.Path == "/api/portfolios");
        Assert.Contains(mapped, e => e.Path == "/v1/portfolios/{id}");

        var missing = new List<string>();
        foreach (var (path, methods) in mapped)
        {
            Assert.NotEmpty(methods);
            foreach (var method in methods)
                if (paths[path] is not JsonObject item || !item.ContainsKey(method.ToLowerInvariant())) missing.Add($"{method} {path}");
        }
        Assert.True(missing.Count == 0, "Not in /openapi/v1.json: " + string.Join(", ", missing));
    }

    [Fact]
    public async Task OpenApiDocumentsEveryOperatorRequestBodyInSnakeCase()
    {
        var doc = await app.Anonymous().GetJsonAsync("/openapi/v1.json");
        var operations = doc["paths"]!.AsObject()
            .Where(p => p.Key.StartsWith("/admin/", StringComparison.Ordinal))
            .SelectMany(p => p.Value!.AsObject().Where(o => o.Key is "post" or "patch" or "put").Select(o => (Name: $"{o.Key} {p.Key}", Operation: o.Value!)))
            .Where(o => o.Name != "post /admin/accounts/{id}/tokens/{tokenId}")
            .Where(o => !BodylessActions.Contains(o.Name))
            .ToList();
        Assert.Equal(14, operations.Count);
        foreach (var (name, operation) in operations)
        {
            var schema = operation["requestBody"]?["content"]?["application/json"]?["schema"];
            Assert.True(schema is not null, $"{name} documents no JSON body.");
            var properties = Resolve(doc, schema!)["properties"]!.AsObject().Select(kv => kv.Key).ToList();
            Assert.NotEmpty(properties);
            Assert.All(properties, key => Assert.Matches("^[a-z0-9_]+$", key));
            // Required fields are exactly those the validators always require (see OpenApiContractTests), and exist.
            Assert.All(Resolve(doc, schema!)["required"]?.AsArray().Select(r => r!.GetValue<string>()) ?? [], r => Assert.Contains(r, properties));
        }
        var portfolio = Resolve(doc, doc["paths"]!["/admin/portfolios"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!);
        Assert.Contains("allocations", portfolio["properties"]!.AsObject().Select(kv => kv.Key));
    }

    /// <summary>Operator actions named by their path alone: they take no body.</summary>
    private static readonly string[] BodylessActions =
    [
        "post /admin/orders/{id}/cancel", "post /admin/outbox/{id}/retry", "post /admin/accounts/{id}/webhook-secret/rotate",
        "post /admin/invoices/{id}/pay", "post /admin/payouts/{id}/pay",
    ];

    private static JsonNode Resolve(JsonObject doc, JsonNode schema) =>
        schema["$ref"] is { } reference ? doc["components"]!["schemas"]![reference.GetValue<string>().Split('/')[^1]]! : schema;

    [GeneratedRegex(@"\{([^}:=?]+)[^}]*\}")]
    private static partial Regex Constraint();

    [Fact]
    public async Task DocsServeTheScalarPage()
    {
        app.RequireAvailable();
        var client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = true });
        var response = await client.GetAsync("/docs", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains("scalar", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("Canopy API", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/no-such-route")]
    [InlineData("/admin/no-such-route")]
    [InlineData("/admin/accounts/not-a-number")]
    // Under /api they are Wren's {"message"} (HostileInputTests).
    public async Task UnknownRoutesAreProblem404s(string url)
    {
        var response = await app.Admin().GetAsync(url, Ct);
        await response.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task WrongMethodIsAProblem405()
    {
        var response = await app.Admin().DeleteAsync("/admin/accounts", Ct);
        await response.AssertProblemAsync(HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task AnUnhandledErrorShowsNoStackTraceOrMessage()
    {
        app.RequireAvailable();
        await using var broken = app.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(new BrokenClock())));
        var response = await broken.CreateClient().GetAsync("/api/portfolios", Ct);
        var problem = await response.AssertProblemAsync(HttpStatusCode.InternalServerError);
        var text = problem.ToJsonString();
        Assert.DoesNotContain(BrokenClock.Secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain("BrokenClock", text, StringComparison.Ordinal);
        Assert.DoesNotContain(" at ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("exception", text, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(["status", "title", "trace_id", "type"], problem.Keys());
    }

    /// <summary>A clock that fails, to make the catalogue throw where nothing expects it.</summary>
    private sealed class BrokenClock : TimeProvider
    {
        public const string Secret = "db-password=hunter2";

        public override DateTimeOffset GetUtcNow() => throw new InvalidOperationException("Clock failure: " + Secret);
    }
}

public sealed class OperationsTestsOnSqlite(SqliteApp app) : OperationsTests(app), IClassFixture<SqliteApp>;

public sealed class OperationsTestsOnPostgres(PostgresApp app) : OperationsTests(app), IClassFixture<PostgresApp>;
