using System.Net;
using System.Text.Json.Nodes;
using Canopy.Notifications;
using Canopy.Tests.Cnaught;
using Canopy.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Canopy.Outbox;

namespace Canopy.Tests.Fulfilment;

/// <summary>Callbacks with the default <c>Callbacks:AllowPrivateTargets=false</c>.</summary>
public abstract class StrictCallbackApp : FulfilmentApp
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
        [new("Callbacks:AllowPrivateTargets", "false"), new("Canopy:Outbox:BaseBackoffSeconds", "0")];
}

public sealed class StrictCallbackSqliteApp : StrictCallbackApp
{
    public override Db Db => Db.Sqlite;
}

public sealed class StrictCallbackPostgresApp : StrictCallbackApp
{
    public override Db Db => Db.Postgres;
}

public abstract class CallbackTargetTests(StrictCallbackApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task LoopbackTargetsAreRefusedWhenPlacedAndWhenDelivered()
    {
        app.RequireAvailable();
        await using var receiver = await CallbackReceiver.StartAsync();
        var c = await app.CreateFulfilmentCustomerAsync();
        await app.AddInventoryAsync(c.ProjectId, 2024, 10);

        var refused = await c.Live.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 1, notification_config = new { url = receiver.Url("/cb") } });
        await CnaughtKit.AssertInvalidAsync(refused, "notification_config.url");

        // A URL that passed the check (a public name) but points at loopback when delivered is refused by the connection itself.
        var id = await c.OrderAsync(1, "http://callbacks.example.com/cb");
        var port = receiver.BaseAddress.Port;
        await app.WithDbAsync(db => db.Orders.Where(o => o.PublicId == id)
            .ExecuteUpdateAsync(s => s.SetProperty(o => o.CallbackUrl, $"http://127.0.0.1:{port}/cb"), Ct));
        var processor = app.Services.GetRequiredService<OutboxProcessor>();
        await processor.RunOnceAsync(Ct); // fulfils and queues the callback
        await processor.RunOnceAsync(Ct); // delivery refused
        Assert.Empty(receiver.Requests);
        var detail = await app.Admin().GetJsonAsync($"/admin/orders/{id}");
        var callback = detail["outbox_messages"]!.AsArray().Last(m => m!["topic"]!.GetValue<string>() == OutboxTopics.OrderCallback)!;
        Assert.Equal("failing", callback["status"]!.GetValue<string>());
        var attempt = Assert.Single(callback["delivery_attempts"]!.AsArray())!;
        Assert.Contains("private or loopback", attempt["error"]!.GetValue<string>(), StringComparison.Ordinal);
        app.Clock.Advance(TimeSpan.FromHours(25));
        await app.DrainOutboxAsync();
        Assert.Empty(receiver.Requests);
    }
}

public sealed class CallbackTargetTestsOnSqlite(StrictCallbackSqliteApp app) : CallbackTargetTests(app), IClassFixture<StrictCallbackSqliteApp>;

public sealed class CallbackTargetTestsOnPostgres(StrictCallbackPostgresApp app) : CallbackTargetTests(app), IClassFixture<StrictCallbackPostgresApp>;
