using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Canopy.Notifications;
using Canopy.Tests.Cnaught;
using Canopy.Tests.Infrastructure;
using Canopy.Outbox;

namespace Canopy.Tests.Fulfilment;

public abstract class CallbackTests(FulfilmentApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>What a receiver does: recompute HMAC-SHA256 of "t.body" with the secret and compare in constant time.</summary>
    private static bool Verify(string header, string body, string secret, out long timestamp)
    {
        var parts = header.Split(',').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        timestamp = long.Parse(parts["t"], System.Globalization.CultureInfo.InvariantCulture);
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(parts["t"] + "." + body));
        return CryptographicOperations.FixedTimeEquals(expected, Convert.FromHexString(parts["v1"]));
    }

    private async Task<string> SecretAsync(long accountId) =>
        (await app.Admin().GetJsonAsync($"/admin/accounts/{accountId}/webhook-secret"))["webhook_secret"]!.GetValue<string>();

    private async Task<JsonObject> CallbackMessageAsync(string orderId, string status)
    {
        var detail = await app.Admin().GetJsonAsync($"/admin/orders/{orderId}");
        var withBody = detail["outbox_messages"]!.AsArray().Where(m => m!["topic"]!.GetValue<string>() == OutboxTopics.OrderCallback).ToList();
        var message = withBody.Last()!.AsObject();
        Assert.Equal(status, message["status"]!.GetValue<string>());
        return message;
    }

    [Fact]
    public async Task FulfilmentAndCancellationAreCalledBackSignedWithTheAccountsSecret()
    {
        app.RequireAvailable();
        await using var receiver = await CallbackReceiver.StartAsync();
        var c = await app.CreateFulfilmentCustomerAsync();
        await app.AddInventoryAsync(c.ProjectId, 2024, 50, "CB-24", "https://registry.example/cb");
        var id = await c.OrderAsync(10, receiver.Url("/hooks/orders"));
        await app.DrainOutboxAsync();

        // Placing is answered synchronously; the change to fulfilled is called back once.
        var hit = Assert.Single(receiver.Requests);
        Assert.Equal("/hooks/orders", hit.Path);
        Assert.Equal("order.fulfilled", hit.Event);
        var secret = await SecretAsync(c.Account.Id);
        Assert.True(Verify(hit.Signature!, hit.Body, secret, out var t));
        Assert.Equal(app.Clock.GetUtcNow().ToUnixTimeSeconds(), t);
        Assert.False(Verify(hit.Signature!, hit.Body + " ", secret, out _));
        var body = JsonNode.Parse(hit.Body)!.AsObject();
        Assert.Equal(["order"], body.Keys());
        Assert.Equal(CnaughtKit.OrderKeys, body["order"].Keys());
        Assert.Equal(id, body["order"]!["id"]!.GetValue<string>());
        Assert.Equal("fulfilled", body["order"]!["state"]!.GetValue<string>());
        Assert.Equal([("CB-24-1-10000", "https://registry.example/cb")], body["order"]!.AsObject().Retirements());

        // A rotated secret signs the next callback; the old one no longer verifies.
        var rotated = (await app.Admin().PostJsonAsync($"/admin/accounts/{c.Account.Id}/webhook-secret/rotate", new { }, HttpStatusCode.OK))["webhook_secret"]!.GetValue<string>();
        Assert.NotEqual(secret, rotated);
        Assert.Equal(rotated, await SecretAsync(c.Account.Id));
        await (await c.Live.SendAsync(HttpMethod.Post, $"/v1/orders/{id}/cancel")).ReadJsonAsync(HttpStatusCode.OK);
        await app.DrainOutboxAsync();
        Assert.Equal(2, receiver.Requests.Count);
        var cancel = receiver.Requests.Last();
        Assert.Equal("order.cancelled", cancel.Event);
        Assert.True(Verify(cancel.Signature!, cancel.Body, rotated, out _));
        Assert.False(Verify(cancel.Signature!, cancel.Body, secret, out _));
        Assert.Equal("cancelled", JsonNode.Parse(cancel.Body)!["order"]!["state"]!.GetValue<string>());
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task AFailedCallbackIsRetriedStopsAfterSuccessAndEveryAttemptIsLogged()
    {
        app.RequireAvailable();
        await using var receiver = await CallbackReceiver.StartAsync();
        var c = await app.CreateFulfilmentCustomerAsync();
        await app.AddInventoryAsync(c.ProjectId, 2024, 50);
        receiver.AnswerNext(500, 503);
        var id = await c.OrderAsync(5, receiver.Url("/cb"));
        await app.DrainOutboxAsync();
        await app.DrainOutboxAsync();

        Assert.Equal([500, 503, 200], receiver.Requests.Select(r => r.AnsweredWith));
        Assert.Single(receiver.Requests.Select(r => r.Body).Distinct()); // the same bytes every time
        var message = await CallbackMessageAsync(id, "completed");
        var attempts = message["delivery_attempts"]!.AsArray();
        Assert.Equal([500, 503, 200], attempts.Select(a => a!["status_code"]!.GetValue<int>()));
        Assert.Equal([false, false, true], attempts.Select(a => a!["succeeded"]!.GetValue<bool>()));
        Assert.All(attempts, a => Assert.True(a!["latency_ms"]!.GetValue<long>() >= 0));
        Assert.Contains("500", attempts[0]!["error"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADeadReceiverIsGivenUpAfter24HoursAndTheOperatorCanRetryIt()
    {
        app.RequireAvailable();
        await using var receiver = await CallbackReceiver.StartAsync();
        var c = await app.CreateFulfilmentCustomerAsync();
        await app.AddInventoryAsync(c.ProjectId, 2024, 50);
        var processor = app.Services.GetRequiredService<OutboxProcessor>();
        receiver.AnswerNext(500);
        var id = await c.OrderAsync(5, receiver.Url("/down"));
        await processor.RunOnceAsync(Ct); // fulfils, and writes the callback
        await processor.RunOnceAsync(Ct); // first delivery: 500
        Assert.Equal("failing", (await CallbackMessageAsync(id, "failing"))["status"]!.GetValue<string>());

        receiver.AnswerNext(500);
        app.Clock.Advance(TimeSpan.FromHours(24));
        await processor.RunOnceAsync(Ct); // still failing after 24 h: given up
        var message = await CallbackMessageAsync(id, "gave_up");
        Assert.Equal(2, message["attempts"]!.GetValue<int>());
        Assert.Contains(message["id"]!.GetValue<long>(),
            (await app.Admin().GetJsonAsync("/admin/outbox?status=gave_up"))["data"]!.AsArray().Select(m => m!["id"]!.GetValue<long>()));
        Assert.Equal(0, await processor.RunOnceAsync(Ct));
        Assert.Equal(2, receiver.Requests.Count);

        // The operator's retry delivers it now.
        var retried = await app.Admin().PostJsonAsync($"/admin/outbox/{message["id"]!.GetValue<long>()}/retry", new { }, HttpStatusCode.OK);
        Assert.Equal("completed", retried["status"]!.GetValue<string>());
        Assert.Equal(3, receiver.Requests.Count);
        var again = await app.Admin().PostAsync($"/admin/outbox/{message["id"]!.GetValue<long>()}/retry", null, Ct);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task AnUnreachableReceiverDoesNotHoldUpOthers()
    {
        app.RequireAvailable();
        string deadUrl;
        await using (var dead = await CallbackReceiver.StartAsync()) deadUrl = dead.Url("/gone");
        await using var receiver = await CallbackReceiver.StartAsync();
        var c = await app.CreateFulfilmentCustomerAsync();
        await app.AddInventoryAsync(c.ProjectId, 2024, 50);
        var toDead = await c.OrderAsync(1, deadUrl);
        var toLive = await c.OrderAsync(1, receiver.Url("/ok"));
        var processor = app.Services.GetRequiredService<OutboxProcessor>();
        await processor.RunOnceAsync(Ct);
        await processor.RunOnceAsync(Ct);

        Assert.Equal(toLive, JsonNode.Parse(Assert.Single(receiver.Requests).Body)!["order"]!["id"]!.GetValue<string>());
        var failing = await CallbackMessageAsync(toDead, "failing");
        var attempt = Assert.Single(failing["delivery_attempts"]!.AsArray())!;
        Assert.Null(attempt["status_code"]);
        Assert.False(string.IsNullOrEmpty(attempt["error"]!.GetValue<string>()));
        app.Clock.Advance(TimeSpan.FromHours(25)); // let the dead one give up, so later tests see a quiet outbox
        await app.DrainOutboxAsync();
    }
}

public sealed class CallbackTestsOnSqlite(FulfilmentSqliteApp app) : CallbackTests(app), IClassFixture<FulfilmentSqliteApp>;

public sealed class CallbackTestsOnPostgres(FulfilmentPostgresApp app) : CallbackTests(app), IClassFixture<FulfilmentPostgresApp>;
