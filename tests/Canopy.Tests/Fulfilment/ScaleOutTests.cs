using System.Net;
using System.Text.Json.Nodes;
using Canopy.Notifications;
using Canopy.Tests.Cnaught;
using Canopy.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Canopy.Outbox;

namespace Canopy.Tests.Fulfilment;

/// <summary>A second Canopy node on the database of another fixture.</summary>
public sealed class SecondNode(CanopyApp first) : FulfilmentApp
{
    public override Db Db => first.Db;
    protected override string? SharedConnectionString => first.ConnectionString;
}

/// <summary>Two app instances on one PostgreSQL database work one outbox: nothing is fulfilled or delivered twice.</summary>
public sealed class ScaleOutTests(FulfilmentPostgresApp app) : IClassFixture<FulfilmentPostgresApp>
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TwoInstancesFulfilAndCallBackEachOf200OrdersOnce()
    {
        app.RequireAvailable();
        await using var other = new SecondNode(app);
        await other.InitializeAsync();
        await using var receiver = await CallbackReceiver.StartAsync();
        var c = await app.CreateFulfilmentCustomerAsync();
        var batch = await app.AddInventoryAsync(c.ProjectId, 2024, 250, "SCALE-24");
        await app.DrainOutboxAsync();

        // 200 orders, half through each node, ten at a time.
        var clients = new[] { c.Live, other.WithBearer(c.Account.LiveToken) };
        var ids = new List<string>();
        for (var round = 0; round < 20; round++)
        {
            var placed = await Task.WhenAll(Enumerable.Range(0, 10).Select(async i =>
            {
                var response = await clients[i % 2].SendAsync(HttpMethod.Post, "/v1/orders",
                    new { amount_kg = 1, notification_config = new { url = receiver.Url($"/cb/{round}/{i}") } });
                return (await response.ReadJsonAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();
            }));
            ids.AddRange(placed);
        }

        // Both nodes work the outbox at once, each with its own concurrent lanes, until nothing is left.
        var processors = new[] { app.Services.GetRequiredService<OutboxProcessor>(), other.Services.GetRequiredService<OutboxProcessor>() };
        for (var pass = 0; pass < 50; pass++)
        {
            var tried = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
            {
                var n = 0;
                for (int k; (k = await processors[i % 2].RunOnceAsync(Ct)) > 0;) n += k;
                return n;
            }, Ct)));
            if (tried.Sum() == 0) break;
        }

        var orders = await app.WithDbAsync(db => db.Orders.AsNoTracking().Where(o => o.AccountId == c.Account.Id).Select(o => new { o.PublicId, o.State }).ToListAsync(Ct));
        Assert.Equal(200, orders.Count);
        Assert.All(orders, o => Assert.Equal(Canopy.Ordering.OrderState.Fulfilled, o.State));
        var retired = await app.WithDbAsync(db => db.Retirements.AsNoTracking().Where(r => r.AccountId == c.Account.Id)
            .GroupBy(r => r.OrderId).Select(g => g.Sum(r => r.Grams)).ToListAsync(Ct));
        Assert.Equal(200, retired.Count);
        Assert.All(retired, g => Assert.Equal(1_000, g));
        Assert.Equal(50_000, (await app.BatchAsync(batch["id"]!.GetValue<long>()))["grams_available"]!.GetValue<long>());
        // No gram was handed out twice: the serial ranges of both nodes' groups tile [0, 200 000) without overlap.
        var ranges = await app.WithDbAsync(db => db.Retirements.AsNoTracking().Where(r => r.AccountId == c.Account.Id)
            .OrderBy(r => r.SerialStart).Select(r => new { r.SerialStart, r.SerialEnd }).ToListAsync(Ct));
        Assert.Equal(0, ranges[0].SerialStart);
        Assert.All(ranges.Zip(ranges.Skip(1)), pair => Assert.Equal(pair.First.SerialEnd, pair.Second.SerialStart));
        Assert.Equal(200_000, ranges[^1].SerialEnd);

        // Each callback arrived once, and each outbox message was tried once.
        var called = receiver.Requests.Select(r => JsonNode.Parse(r.Body)!["order"]!["id"]!.GetValue<string>()).ToList();
        Assert.Equal(200, called.Count);
        Assert.Equal(ids.Order(StringComparer.Ordinal), called.Order(StringComparer.Ordinal));
        var attempts = await app.WithDbAsync(db => (
            from m in db.OutboxMessages
            where m.AccountId == c.Account.Id
            select new { m.Topic, m.CompletedAt, Tries = db.OutboxAttempts.Count(a => a.MessageId == m.Id) }).ToListAsync(Ct));
        Assert.All(attempts, m => Assert.NotNull(m.CompletedAt));
        Assert.All(attempts, m => Assert.Equal(1, m.Tries));
        Assert.Equal(200, attempts.Count(m => m.Topic == OutboxTopics.FulfilOrder));
        await app.AssertLedgerSoundAsync();
    }
}
