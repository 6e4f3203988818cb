using System.Net;
using Canopy.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Canopy.Tests.Fulfilment;

/// <summary>An app that runs its own outbox worker, as production does (real clock), with a long callback timeout.</summary>
public abstract class LiveWorkerApp : CanopyApp
{
    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
    [
        new("Canopy:Outbox:WorkerEnabled", "true"), new("Canopy:Outbox:PollSeconds", "1"), new("Canopy:Outbox:LeaseSeconds", "900"),
        new("Callbacks:AllowPrivateTargets", "true"), new("Callbacks:TimeoutSeconds", "600"), new("Callbacks:MaxPerTarget", "2"),
    ];
}

public sealed class LiveWorkerSqliteApp : LiveWorkerApp
{
    public override Db Db => Db.Sqlite;
}

public sealed class LiveWorkerPostgresApp : LiveWorkerApp
{
    public override Db Db => Db.Postgres;
}

/// <summary>A receiver that accepts callbacks and never answers (until it is disposed).</summary>
public sealed class DeadReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _received;

    private DeadReceiver(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Requests that arrived (none was ever answered).</summary>
    public int Received => Volatile.Read(ref _received);

    public static async Task<DeadReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new DeadReceiver(app);
        app.Run(async http =>
        {
            Interlocked.Increment(ref receiver._received);
            await receiver._release.Task;
            http.Response.StatusCode = 200;
        });
        await app.StartAsync();
        receiver.BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        _release.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>
/// Callbacks at rate: deliveries run with bounded concurrency per receiver and overall, so a receiver that never answers
/// holds only its own deliveries (at most Callbacks:MaxPerTarget of them) and every other receiver is called meanwhile.
/// </summary>
public abstract class CallbackRateTests(LiveWorkerApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AReceiverThatNeverAnswersDelaysOnlyItsOwnCallbacks()
    {
        app.RequireAvailable();
        var c = await app.CreateFulfilmentCustomerAsync();
        await app.AddInventoryAsync(c.ProjectId, 2024, 100);
        await using var fast = await CallbackReceiver.StartAsync();
        await using var dead = await DeadReceiver.StartAsync();

        // The dead receiver's orders come first, so they are first in line for the worker.
        for (var i = 0; i < 6; i++) await c.OrderAsync(1, new Uri(dead.BaseAddress, $"/dead/{i}").ToString());
        List<string> fastOrders = [];
        for (var i = 0; i < 6; i++) fastOrders.Add(await c.OrderAsync(1, fast.Url($"/fast/{i}")));

        // Wait (not a measure: a bound so a failure ends) until the working receiver has all its callbacks.
        var giveUp = DateTime.UtcNow.AddSeconds(120);
        while (fast.Requests.Count < fastOrders.Count && DateTime.UtcNow < giveUp) await Task.Delay(100, Ct);

        Assert.Equal(fastOrders.Order(StringComparer.Ordinal),
            fast.Requests.Select(r => System.Text.Json.Nodes.JsonNode.Parse(r.Body)!["order"]!["id"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        // The dead receiver holds at most its own two slots: its other callbacks wait their turn instead of taking more.
        Assert.InRange(dead.Received, 1, 2);
    }
}

public sealed class CallbackRateTestsOnSqlite(LiveWorkerSqliteApp app) : CallbackRateTests(app), IClassFixture<LiveWorkerSqliteApp>;

public sealed class CallbackRateTestsOnPostgres(LiveWorkerPostgresApp app) : CallbackRateTests(app), IClassFixture<LiveWorkerPostgresApp>;
