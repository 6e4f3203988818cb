using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Canopy.Tests.Cnaught;
using Canopy.Tests.Infrastructure;
using Canopy.Tests.Wren;

namespace Canopy.Tests.Foundation;

/// <summary>
/// Findings from trying Canopy as an attacker would: text the database cannot store (NUL, unpaired surrogates) from
/// every place a string comes from, unrouted paths and wrong methods, bodies over the limit: each answered with a 4xx
/// in the error shape of the surface it came through, never a 500. (A NUL in the path itself never gets this far:
/// Kestrel refuses %00 in a path, and the test server refuses to send one; the guard checks paths all the same.)
/// </summary>
public abstract class HostileInputTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task AssertCnaughtInvalidAsync(HttpResponseMessage response, string field)
    {
        var body = await Problems.AssertInvalidAsync(response, field);
        Assert.Equal(CnaughtKit.ErrorBase + "invalid-parameters", body["type"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("/v1/orders?starting_after=%00", "starting_after")]
    [InlineData("/v1/orders?ending_before=a%00", "ending_before")]
    [InlineData("/v1/subaccounts?starting_after=%00", "starting_after")]
    [InlineData("/v1/orders?starting_after=%ED%A0%80%00", "starting_after")]
    public async Task NulInACnaughtQueryOrRouteIs400InvalidParameters(string url, string field)
    {
        var customer = await app.CreateCnaughtCustomerAsync();
        await AssertCnaughtInvalidAsync(await customer.Live.GetAsync(url, Ct), field);
    }

    [Fact]
    public async Task NulInACnaughtHeaderIs400InvalidParameters()
    {
        var customer = await app.CreateCnaughtCustomerAsync();
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/orders");
        request.Headers.TryAddWithoutValidation("X-Subaccount-Id", "ab\0cd");
        await AssertCnaughtInvalidAsync(await customer.Live.SendAsync(request, Ct), "x-subaccount-id");

        var post = new HttpRequestMessage(HttpMethod.Post, "/v1/orders") { Content = new StringContent("""{"amount_kg":1}""", Encoding.UTF8, "application/json") };
        post.Headers.TryAddWithoutValidation("Idempotency-Key", "k\0");
        await AssertCnaughtInvalidAsync(await customer.Live.SendAsync(post, Ct), "idempotency-key");
        Assert.Empty((await customer.Live.GetJsonAsync("/v1/orders"))["data"]!.AsArray());
    }

    [Fact]
    public async Task EscapedNulOrUnpairedSurrogateInACnaughtBodyIs400AndWritesNothing()
    {
        var customer = await app.CreateCnaughtCustomerAsync();
        await AssertCnaughtInvalidAsync(await customer.Live.PostRawAsync("/v1/orders", """{"amount_kg":1,"description":"a\u0000"}"""), "description");
        await AssertCnaughtInvalidAsync(await customer.Live.PostRawAsync("/v1/orders", """{"amount_kg":1,"metadata":"\udc00"}"""), "metadata");
        await AssertCnaughtInvalidAsync(await customer.Live.PostRawAsync("/v1/subaccounts", """{"name":"x","email":"a\u0000@b.example"}"""), "email");
        Assert.Empty((await customer.Live.GetJsonAsync("/v1/orders"))["data"]!.AsArray());
        Assert.Empty((await customer.Live.GetJsonAsync("/v1/subaccounts"))["data"]!.AsArray());
    }

    [Theory]
    [InlineData("/api/offset-orders?limit=%00")]
    public async Task NulInAWrenQueryOrRouteIs400WithAMessage(string url)
    {
        var account = await app.CreateAccountAsync();
        await (await app.WithBasic(account.LiveToken).GetAsync(url, Ct)).ReadWrenErrorAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task NulInAnOperatorQueryIs400ProblemDetails()
    {
        var response = await app.Admin().GetAsync("/admin/inventory?project_id=a%00b", Ct);
        await Problems.AssertInvalidAsync(response, "project_id");
        var body = await app.Admin().PostRawAsync("/admin/project-categories", """{"id":"c\u0000","name":"n"}""");
        await Problems.AssertInvalidAsync(body, "id");
    }
}

public sealed class HostileInputTestsOnSqlite(SqliteApp app) : HostileInputTests(app), IClassFixture<SqliteApp>;

public sealed class HostileInputTestsOnPostgres(PostgresApp app) : HostileInputTests(app), IClassFixture<PostgresApp>;

/// <summary>Unrouted paths, wrong methods and bodies over the limit in each surface's shape: database-independent, run once.</summary>
public sealed class SurfaceShapeTests(SqliteApp app) : IClassFixture<SqliteApp>
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UnroutedPathsAndWrongMethodsUnderApiAnswerWithAMessage()
    {
        var account = await app.CreateAccountAsync();
        var client = app.WithBasic(account.LiveToken);
        await (await client.GetAsync("/api/no-such-thing", Ct)).ReadWrenErrorAsync(HttpStatusCode.NotFound);
        await (await app.Anonymous().GetAsync("/api/no-such-thing", Ct)).ReadWrenErrorAsync(HttpStatusCode.NotFound);
        await (await client.DeleteAsync("/api/offset-orders", Ct)).ReadWrenErrorAsync(HttpStatusCode.MethodNotAllowed);
        await (await client.PutAsync("/api/tree-orders/preview", new StringContent("{}"), Ct)).ReadWrenErrorAsync(HttpStatusCode.MethodNotAllowed);
    }

    [Fact]
    public async Task UnroutedPathsUnderV1AreCnaughtProblemsWithAType()
    {
        var customer = await app.CreateCnaughtCustomerAsync();
        var notFound = await (await customer.Live.GetAsync("/v1/no-such-thing", Ct)).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(CnaughtKit.ErrorBase + "not-found", notFound["type"]!.GetValue<string>());
        var wrongMethod = await (await customer.Live.DeleteAsync("/v1/portfolios", Ct)).AssertProblemAsync(HttpStatusCode.MethodNotAllowed);
        Assert.Equal(CnaughtKit.ErrorBase + "method-not-allowed", wrongMethod["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task AWrenFormBodyOverOneMebibyteIs413WithAMessage()
    {
        var account = await app.CreateAccountAsync(creditsUsdCents: 1_000);
        var form = "tons=1&note=" + new string('x', 1024 * 1024 + 10);
        var response = await app.WithBasic(account.LiveToken).PostRawAsync("/api/offset-orders", form, "application/x-www-form-urlencoded");
        await response.ReadWrenErrorAsync(HttpStatusCode.RequestEntityTooLarge);
        // Sent in chunks, without a Content-Length.
        var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(form)));
        chunked.Headers.ContentType = new MediaTypeHeaderValue("application/x-www-form-urlencoded");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/offset-orders") { Content = chunked };
        request.Headers.TransferEncodingChunked = true;
        await (await app.WithBasic(account.LiveToken).SendAsync(request, Ct)).ReadWrenErrorAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(1_000, await app.CreditsAsync(account.Id));
    }

    [Fact]
    public async Task ACnaughtBodyOverOneMebibyteIs413WithAType()
    {
        var customer = await app.CreateCnaughtCustomerAsync();
        var huge = "{\"amount_kg\":1,\"description\":\"" + new string('x', 1024 * 1024 + 10) + "\"}";
        var body = await (await customer.Live.PostRawAsync("/v1/orders", huge)).AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(CnaughtKit.ErrorBase + "payload-too-large", body["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task ARefused413IsNotLoggedAsAServerError()
    {
        var account = await app.CreateAccountAsync();
        var huge = "{\"tons\":1,\"note\":\"" + new string('x', 2 * 1024 * 1024) + "\"}";
        await (await app.WithBasic(account.LiveToken).PostRawAsync("/api/offset-orders", huge)).ReadWrenErrorAsync(HttpStatusCode.RequestEntityTooLarge);
        await (await app.WithBasic(account.LiveToken).PostRawAsync("/api/offset-orders", "tons=1&note=" + huge, "application/x-www-form-urlencoded"))
            .ReadWrenErrorAsync(HttpStatusCode.RequestEntityTooLarge);
        // This class's app serves only this class's tests, which run one at a time: every error it logged is ours.
        Assert.DoesNotContain(app.Logs.Events, e => e.Level >= Serilog.Events.LogEventLevel.Error
            && (e.Exception is Microsoft.AspNetCore.Http.BadHttpRequestException
                || e.Properties.TryGetValue("StatusCode", out var status) && status.ToString() == "500"));
    }
}
