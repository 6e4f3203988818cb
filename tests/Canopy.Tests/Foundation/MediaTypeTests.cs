using System.Net;
using Canopy.Tests.Cnaught;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Foundation;

/// <summary>
/// A JSON body sent under another media type (text/plain, multipart, a form where only JSON is read) is 415 in the shape
/// of the surface it came through, and writes nothing; Wren's forms and a JSON body with its charset still work.
/// </summary>
public abstract class MediaTypeTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WrenRefusesAJsonBodySentAsTextPlainWith415AndAMessage()
    {
        var c = await app.CreateCnaughtCustomerAsync(billing: "credits", credits: 100_000);
        var wren = app.WithBasic(c.Account.LiveToken);
        await app.CreateProjectAsync(100, kind: "tree");
        foreach (var url in new[] { "/api/offset-orders", "/api/tree-orders", "/api/tree-orders/preview", "/api/project-orders" })
        {
            foreach (var type in new[] { "text/plain", "multipart/form-data", "application/xml" })
            {
                var body = await (await wren.PostRawAsync(url, """{"tons":1,"amountOfTrees":1,"paymentMethod":"credits"}""", type)).ReadJsonAsync(HttpStatusCode.UnsupportedMediaType);
                Assert.Equal(["message"], body.Keys());
                Assert.Contains("application/x-www-form-urlencoded", body["message"]!.GetValue<string>(), StringComparison.Ordinal);
            }
        }
        Assert.Equal(0, await app.OrderCountAsync(c.Account.Id));
        // Forms and JSON (StringContent adds charset=utf-8) are still read.
        await (await wren.PostRawAsync("/api/offset-orders", "tons=0.01&paymentMethod=credits", "application/x-www-form-urlencoded")).ReadJsonAsync(HttpStatusCode.OK);
        await (await wren.PostRawAsync("/api/tree-orders/preview", """{"amountOfTrees":2}""", "application/json")).ReadJsonAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task CnaughtRefusesAJsonBodySentAsTextPlainOrAFormWith415ProblemDetails()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        foreach (var url in new[] { "/v1/orders", "/v1/orders/ride", "/v1/quotes", "/v1/quotes/flight", "/v1/subaccounts" })
        {
            foreach (var type in new[] { "text/plain", "application/x-www-form-urlencoded" })
            {
                var response = await c.Live.SendAsync(HttpMethod.Post, url, """{"amount_kg":1,"distance_km":10,"name":"n"}""", contentType: type);
                var problem = await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType);
                Assert.Equal(CnaughtKit.ErrorBase + "unsupported-media-type", problem["type"]!.GetValue<string>());
                Assert.Equal(CnaughtKit.ProblemJson, response.Content.Headers.ContentType?.MediaType);
            }
        }
        Assert.Equal(0, await app.OrderCountAsync(c.Account.Id));
        await c.Live.PlaceOrderAsync(new { amount_kg = 1 });
    }

    [Fact]
    public async Task TheOperatorApiRefusesAJsonBodySentAsTextPlainWith415ProblemDetails()
    {
        var admin = app.Admin();
        var id = TestData.NewId("c");
        var response = await admin.PostRawAsync("/admin/project-categories", $$"""{"id":"{{id}}","name":"Biochar"}""", "text/plain");
        var problem = await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("application/json", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        await (await admin.GetAsync($"/admin/project-categories?limit=100", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        await (await admin.PostRawAsync("/admin/project-categories", $$"""{"id":"{{id}}","name":"Biochar"}""")).ReadJsonAsync(HttpStatusCode.Created);
    }

    [Fact]
    public async Task TheDocumentDeclares415WhereAJsonBodyIsRead()
    {
        var paths = (await app.Anonymous().GetJsonAsync("/openapi/v1.json"))["paths"]!;
        Assert.Equal("#/components/schemas/WrenMessage",
            paths["/api/offset-orders"]!["post"]!["responses"]!["415"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>());
        Assert.NotNull(paths["/v1/orders"]!["post"]!["responses"]!["415"]);
        Assert.NotNull(paths["/admin/accounts"]!["post"]!["responses"]!["415"]);
        Assert.Null(paths["/v1/orders"]!["get"]!["responses"]!["415"]);
    }
}

public sealed class MediaTypeTestsOnSqlite(SqliteApp app) : MediaTypeTests(app), IClassFixture<SqliteApp>;

public sealed class MediaTypeTestsOnPostgres(PostgresApp app) : MediaTypeTests(app), IClassFixture<PostgresApp>;
