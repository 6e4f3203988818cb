using System.Net;
using Canopy.Tests.Cnaught;
using Canopy.Tests.Infrastructure;
using Canopy.Kernel;
using Canopy.Platform;

namespace Canopy.Tests.Foundation;

/// <summary>The pages' bulkhead (<see cref="ListLimiter"/>): one page built at a time here, one waiting, the rest refused.</summary>
public abstract class ListLimiterTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PagesWaitTheirTurnInLineAndAFullLineGets503()
    {
        app.RequireAvailable();
        var c = await app.CreateCnaughtCustomerAsync(billing: "invoice");
        var first = (await c.Live.PlaceOrderAsync(new { amount_kg = 1 }))["id"]!.GetValue<string>();
        var limiter = app.Services.GetRequiredService<ListLimiter>();
        Assert.Equal((1, 1), (limiter.Concurrency, limiter.QueueLimit));

        // Hold the only turn: the next page waits in line.
        var held = await limiter.WaitTurnAsync(Ct);
        Assert.True(held.IsAcquired);
        try
        {
            var waiting = c.Live.GetAsync("/v1/orders", Ct);
            while (limiter.Queued == 0 && !waiting.IsCompleted) await Task.Delay(10, Ct);
            Assert.False(waiting.IsCompleted);

            // Orders, single orders and the Wren lists (streamed from the database) never wait here.
            var second = (await c.Live.PlaceOrderAsync(new { amount_kg = 2 }))["id"]!.GetValue<string>();
            Assert.Equal(HttpStatusCode.OK, (await c.Live.GetAsync($"/v1/orders/{first}", Ct)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await app.WithBasic(c.Account.LiveToken).GetAsync("/api/offset-orders", Ct)).StatusCode);

            // The line is full: refused at once, with Retry-After, as CNaught's problem details.
            var refused = await c.Live.GetAsync("/v1/orders?limit=1", Ct);
            Assert.Equal("1", refused.Headers.GetValues("Retry-After").Single());
            await refused.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "service-unavailable");
            // A token nobody knows is turned away at the door: it never takes a place in the line.
            Assert.Equal(HttpStatusCode.Unauthorized, (await app.WithBearer("cnp_live_nobody_" + TestData.NewId()).GetAsync("/v1/orders", Ct)).StatusCode);
            Assert.Equal(1, limiter.Queued);
            Assert.False(waiting.IsCompleted);

            held.Dispose();
            var page = await (await waiting).ReadJsonAsync(HttpStatusCode.OK);
            Assert.Equal([second, first], page.Ids());
        }
        finally
        {
            held.Dispose();
        }

        // Its turn over, the next page goes straight through (the turn is not held while a page is sent).
        Assert.Equal(2, (await c.Live.GetJsonAsync("/v1/orders")).Ids().Length);
        Assert.Equal(0, limiter.Queued);
    }

    [Fact]
    public async Task APageLeftWhileWaitingGivesUpItsPlace()
    {
        app.RequireAvailable();
        var c = await app.CreateCnaughtCustomerAsync(billing: "invoice");
        var limiter = app.Services.GetRequiredService<ListLimiter>();
        using (var held = await limiter.WaitTurnAsync(Ct))
        {
            Assert.True(held.IsAcquired);
            using var leave = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            var waiting = c.Live.GetAsync("/v1/orders", leave.Token);
            while (limiter.Queued == 0 && !waiting.IsCompleted) await Task.Delay(10, Ct);
            Assert.Equal(1, limiter.Queued);
            await leave.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
            // The request's abort reaches the server and takes it out of the line (bounded, so a failure cannot hang).
            for (var i = 0; i < 1000 && limiter.Queued != 0; i++) await Task.Delay(10, Ct);
            Assert.Equal(0, limiter.Queued);
        }
        Assert.Equal(HttpStatusCode.OK, (await c.Live.GetAsync("/v1/orders", Ct)).StatusCode);
    }
}

public sealed class ListLimiterTestsOnSqlite(ListLimitedSqliteApp app) : ListLimiterTests(app), IClassFixture<ListLimitedSqliteApp>;

public sealed class ListLimiterTestsOnPostgres(ListLimitedPostgresApp app) : ListLimiterTests(app), IClassFixture<ListLimitedPostgresApp>;
