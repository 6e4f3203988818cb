using System.Net;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Cnaught;

public abstract class CnaughtIdempotencyTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private static bool IsReplay(HttpResponseMessage r) =>
        r.Headers.TryGetValues("X-Idempotent-Replay", out var v) && v.SingleOrDefault() == "true";

    [Fact]
    public async Task ReplayReturnsTheSameStatusAndBodyAndCreatesNothing()
    {
        var c = await app.CreateCnaughtCustomerAsync(billing: "credits", credits: 1_000);
        var key = TestData.NewId("key");
        var first = await c.Live.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 10 }, idempotencyKey: key);
        var firstBody = await first.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.False(IsReplay(first));

        var second = await c.Live.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 10 }, idempotencyKey: key);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.True(IsReplay(second));
        Assert.Equal("application/json", second.Content.Headers.ContentType?.MediaType);
        Assert.Equal(firstBody, await second.Content.ReadAsStringAsync(Ct));

        Assert.Equal(1, await app.OrderCountAsync(c.Account.Id));
        Assert.Equal(975, await app.CreditsAsync(c.Account.Id));
        Assert.Single(await app.LedgerOfAsync(c.Account.Id), t => t.Kind == "order_payment");
    }

    /// <summary>
    /// A new order's answer is written from its columns (as the list is); GET serialises the order record. Right after
    /// placing, both must be the same bytes: keyed or not, in a subaccount or not, a ride, text that needs escaping.
    /// </summary>
    [Fact]
    public async Task ANewOrdersAnswerIsExactlyWhatGetShowsOfIt()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var sub = (await c.Live.PostJsonAsync("/v1/subaccounts", new { name = "Fleet" }, HttpStatusCode.Created))["id"]!.GetValue<string>();
        var requests = new (string Path, object Body, string? Key, string? Subaccount)[]
        {
            ("/v1/orders", new { amount_kg = 10 }, TestData.NewId("key"), null),
            ("/v1/orders", new { amount_kg = 0.5m, metadata = "naïve \"q\" <b>&</b> 🌳", description = "Ünï – d" }, null, null),
            ("/v1/orders", new { total_price_usd_cents = 99 }, TestData.NewId("key"), sub),
            ("/v1/orders/ride", new { distance_km = 7.25m }, TestData.NewId("key"), null),
        };
        foreach (var (path, body, key, subaccount) in requests)
        {
            var placed = await c.Live.SendAsync(HttpMethod.Post, path, body, idempotencyKey: key, subaccount: subaccount);
            Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
            var answer = await placed.Content.ReadAsStringAsync(Ct);
            var id = System.Text.Json.Nodes.JsonNode.Parse(answer)!["id"]!.GetValue<string>();
            var get = await c.Live.GetAsync($"/v1/orders/{id}", Ct);
            Assert.Equal(await get.Content.ReadAsStringAsync(Ct), answer);
        }
    }

    [Fact]
    public async Task ChangedPayloadIs422()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var sub = (await c.Live.PostJsonAsync("/v1/subaccounts", new { name = "S" }, HttpStatusCode.Created))["id"]!.GetValue<string>();
        var key = TestData.NewId("key");
        await (await c.Live.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 10 }, idempotencyKey: key)).ReadJsonAsync(HttpStatusCode.Created);

        const string title = "Previous request submitted with same idempotency key had different payload";
        await (await c.Live.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 11 }, idempotencyKey: key))
            .AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency-changed-payload", title);
        await (await c.Live.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 10 }, idempotencyKey: key, subaccount: sub))
            .AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency-changed-payload", title);
        await (await c.Live.SendAsync(HttpMethod.Post, "/v1/orders/ride", new { distance_km = 10 }, idempotencyKey: key))
            .AssertProblemAsync(HttpStatusCode.UnprocessableEntity, "idempotency-changed-payload", title);
        Assert.Equal(1, await app.OrderCountAsync(c.Account.Id));
    }

    [Fact]
    public async Task KeyOver512CharactersIs400AndWritesNothing()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        await (await c.Live.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 1 }, idempotencyKey: new string('k', 513)))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "idempotency-key-too-long");
        await (await c.Live.SendAsync(HttpMethod.Post, "/v1/subaccounts", new { name = "S" }, idempotencyKey: new string('k', 513)))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "idempotency-key-too-long");
        Assert.Equal(0, await app.OrderCountAsync(c.Account.Id));
        Assert.Empty((await c.Live.GetJsonAsync("/v1/subaccounts")).Ids());

        var longest = new string('k', 512);
        await (await c.Live.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 1 }, idempotencyKey: longest)).ReadJsonAsync(HttpStatusCode.Created);
        Assert.True(IsReplay(await c.Live.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 1 }, idempotencyKey: longest)));
    }

    [Fact]
    public async Task ConcurrentRequestsWithOneKeyMakeOneOrder()
    {
        var c = await app.CreateCnaughtCustomerAsync(billing: "credits", credits: 10_000);
        var key = TestData.NewId("key");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, 10).Select(async _ =>
        {
            await gate.Task;
            var r = await c.Live.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 10 }, idempotencyKey: key);
            return (Response: r, Body: await r.Content.ReadAsStringAsync(Ct));
        }).ToList();
        gate.SetResult();
        var results = await Task.WhenAll(tasks);

        var created = results.Where(r => r.Response.StatusCode == HttpStatusCode.Created && !IsReplay(r.Response)).ToList();
        Assert.Single(created);
        foreach (var (response, body) in results.Where(r => r.Body != created[0].Body))
        {
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            await response.AssertProblemAsync(HttpStatusCode.Conflict, "idempotency-concurrent-requests");
        }
        Assert.All(results.Where(r => r.Response.StatusCode == HttpStatusCode.Created), r => Assert.Equal(created[0].Body, r.Body));

        Assert.Equal(1, await app.OrderCountAsync(c.Account.Id));
        Assert.Equal(10_000 - 25, await app.CreditsAsync(c.Account.Id));
        // Once finished, the key replays.
        var after = await c.Live.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 10 }, idempotencyKey: key);
        Assert.True(IsReplay(after));
        Assert.Equal(created[0].Body, await after.Content.ReadAsStringAsync(Ct));
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task KeysAreScopedToAccountAndMode()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var other = await app.CreateCnaughtCustomerAsync();
        const string key = "shared-key-1";
        var mine = await (await c.Live.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 1 }, idempotencyKey: key)).ReadJsonAsync(HttpStatusCode.Created);
        var theirs = await other.Live.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 1 }, idempotencyKey: key);
        Assert.False(IsReplay(theirs));
        Assert.NotEqual(mine["id"]!.GetValue<string>(), (await theirs.ReadJsonAsync(HttpStatusCode.Created))["id"]!.GetValue<string>());
        var sandbox = await c.Test.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 1 }, idempotencyKey: key);
        Assert.False(IsReplay(sandbox));
        Assert.Equal(HttpStatusCode.Created, sandbox.StatusCode);
    }

    [Fact]
    public async Task CancelAndSubaccountCreateReplayToo()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var id = (await c.Live.PlaceOrderAsync(new { amount_kg = 1 }))["id"]!.GetValue<string>();
        var key = TestData.NewId("key");
        var cancel = await c.Live.SendAsync(HttpMethod.Post, $"/v1/orders/{id}/cancel", idempotencyKey: key);
        var cancelBody = await cancel.ReadJsonAsync(HttpStatusCode.OK);
        var replay = await c.Live.SendAsync(HttpMethod.Post, $"/v1/orders/{id}/cancel", idempotencyKey: key);
        Assert.True(IsReplay(replay));
        Assert.Equal(cancelBody.ToJsonString(), (await replay.ReadJsonAsync(HttpStatusCode.OK)).ToJsonString());

        var subKey = TestData.NewId("key");
        var sub = await (await c.Live.SendAsync(HttpMethod.Post, "/v1/subaccounts", new { name = "Once" }, idempotencyKey: subKey)).ReadJsonAsync(HttpStatusCode.Created);
        var subReplay = await c.Live.SendAsync(HttpMethod.Post, "/v1/subaccounts", new { name = "Once" }, idempotencyKey: subKey);
        Assert.True(IsReplay(subReplay));
        Assert.Equal(sub["id"]!.GetValue<string>(), (await subReplay.ReadJsonAsync(HttpStatusCode.Created))["id"]!.GetValue<string>());
        Assert.Single((await c.Live.GetJsonAsync("/v1/subaccounts")).Ids());
    }

    [Fact]
    public async Task AFailedRequestIsReplayedAsItFailed()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var key = TestData.NewId("key");
        await (await c.Live.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = -1 }, idempotencyKey: key)).AssertInvalidAsync("amount_kg");
        var again = await c.Live.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = -1 }, idempotencyKey: key);
        Assert.True(IsReplay(again));
        await again.AssertInvalidAsync("amount_kg");
        Assert.Equal(0, await app.OrderCountAsync(c.Account.Id));
    }
}

public sealed class CnaughtIdempotencyTestsOnSqlite(SqliteApp app) : CnaughtIdempotencyTests(app), IClassFixture<SqliteApp>;

public sealed class CnaughtIdempotencyTestsOnPostgres(PostgresApp app) : CnaughtIdempotencyTests(app), IClassFixture<PostgresApp>;
