using System.Collections.Concurrent;
using System.Net;
using Canopy.Data;
using Canopy.Notifications;
using Canopy.Payments;
using Canopy.Tests.Cnaught;
using Canopy.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Canopy.Outbox;

namespace Canopy.Tests.Payments;

/// <summary>A card processor that approves charges and fails the next refunds it is told to fail.</summary>
public sealed class FlakyCardProcessor : ICardProcessor
{
    private readonly SimulatedCardProcessor _inner = new();
    private int _failNext;

    public ConcurrentQueue<string> Refunded { get; } = new();

    public string Name => "flaky";

    public void FailNextRefunds(int count) => Interlocked.Exchange(ref _failNext, count);

    public bool IsValidPaymentMethodId(string id) => _inner.IsValidPaymentMethodId(id);

    public Task<CardCharge> ChargeAsync(CardChargeRequest request, CancellationToken ct) => _inner.ChargeAsync(request, ct);

    public Task RefundAsync(string chargeId, long amountMinor, string idempotencyKey, CancellationToken ct)
    {
        if (Interlocked.Decrement(ref _failNext) >= 0) throw new HttpRequestException("processor unavailable");
        Refunded.Enqueue(chargeId);
        return Task.CompletedTask;
    }
}

public abstract class FlakyProcessorApp : CanopyApp
{
    public FlakyCardProcessor Processor { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings => [new("Canopy:Outbox:BaseBackoffSeconds", "0")];

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<ICardProcessor>(Processor);
}

public sealed class FlakySqliteApp : FlakyProcessorApp
{
    public override Db Db => Db.Sqlite;
}

public sealed class FlakyPostgresApp : FlakyProcessorApp
{
    public override Db Db => Db.Postgres;
}

public abstract class RefundRetryTests(FlakyProcessorApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AFailedRefundIsRetriedUntilItGoesThroughAndEveryTryIsLogged()
    {
        var c = await app.CreateCnaughtCustomerAsync(billing: "card");
        await app.Admin().PostJsonAsync($"/admin/accounts/{c.Account.Id}/card", new { payment_method = "pm_card_visa" }, HttpStatusCode.OK);
        var order = await c.Live.PostJsonAsync("/v1/orders", new { amount_kg = 100 }, HttpStatusCode.Created); // 250 cents
        var orderId = order["id"]!.GetValue<string>();
        var processor = app.Services.GetRequiredService<OutboxProcessor>();
        while (await processor.RunOnceAsync(Ct) > 0) { } // the order's own messages (fulfilment) first

        var before = app.Processor.Refunded.Count; // the fixture's processor is shared by this class's tests
        app.Processor.FailNextRefunds(2);
        var cancelled = await c.Live.PostJsonAsync($"/v1/orders/{orderId}/cancel", new { }, HttpStatusCode.OK);
        Assert.Equal("cancelled", cancelled["state"]!.GetValue<string>());
        Assert.Equal(before, app.Processor.Refunded.Count);

        Assert.Equal(1, await processor.RunOnceAsync(Ct)); // second try: fails too
        Assert.Equal(before, app.Processor.Refunded.Count);
        Assert.Equal(1, await processor.RunOnceAsync(Ct)); // third try: goes through
        Assert.Equal(before + 1, app.Processor.Refunded.Count);
        Assert.Equal(0, await processor.RunOnceAsync(Ct)); // nothing left

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        var message = await db.OutboxMessages.AsNoTracking().SingleAsync(m => m.Topic == OutboxTopics.CardRefund && m.Subject == orderId, Ct);
        Assert.NotNull(message.CompletedAt);
        Assert.Equal(3, message.Attempts);
        var attempts = await db.OutboxAttempts.AsNoTracking().Where(a => a.MessageId == message.Id).OrderBy(a => a.Id).ToListAsync(Ct);
        Assert.Equal([false, false, true], attempts.Select(a => a.Succeeded));
        Assert.All(attempts.Take(2), a => Assert.Contains("processor unavailable", a.Error, StringComparison.Ordinal));
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task ARefundThatWorksAtOnceLeavesNothingToRetry()
    {
        var c = await app.CreateCnaughtCustomerAsync(billing: "card");
        await app.Admin().PostJsonAsync($"/admin/accounts/{c.Account.Id}/card", new { payment_method = "pm_card_visa" }, HttpStatusCode.OK);
        var order = await c.Live.PostJsonAsync("/v1/orders", new { amount_kg = 100 }, HttpStatusCode.Created);
        var processor = app.Services.GetRequiredService<OutboxProcessor>();
        while (await processor.RunOnceAsync(Ct) > 0) { } // the order's own messages (fulfilment) first
        var before = app.Processor.Refunded.Count;
        await c.Live.PostJsonAsync($"/v1/orders/{order["id"]!.GetValue<string>()}/cancel", new { }, HttpStatusCode.OK);
        Assert.Equal(before + 1, app.Processor.Refunded.Count);
        Assert.Equal(0, await processor.RunOnceAsync(Ct));
    }
}

public sealed class RefundRetryTestsOnSqlite(FlakySqliteApp app) : RefundRetryTests(app), IClassFixture<FlakySqliteApp>;

public sealed class RefundRetryTestsOnPostgres(FlakyPostgresApp app) : RefundRetryTests(app), IClassFixture<FlakyPostgresApp>;
