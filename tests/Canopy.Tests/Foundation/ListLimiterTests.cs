using System.Net;
using Canopy.Tests.Cnaught;
using Canopy.Tests.Infrastructure;
using Canopy.Web;

namespace Canopy.Tests.Foundation;

/// <summary>The lists' bulkhead (<see cref="ListLimiter"/>): one list at a time here, one waiting, the rest refused.</summary>
public abstract class ListLimiterTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ListsWaitTheirTurnInLineAndAFullLineGets503InTheDialectsShape()
    {
        app.RequireAvailable();
        var c = await app.CreateCnaughtCustomerAsync(billing: "invoice");
        var first = (await c.Live.PlaceOrderAsync(new { amount_kg = 1 }))["id"]!.GetValue<string>();
        var limiter = app.Services.GetRequiredService<ListLimiter>();
        Assert.Equal((1, 1), (limiter.Concurrency, limiter.QueueLimit));

        // Hold the only turn: the next list waits in line.
        var held = await limiter.AcquireAsync(Ct);
        Assert.True(held.IsAcquired);
        Task<HttpResponseMessage> waiting;
        try
        {
            waiting = c.Live.GetAsync("/v1/orders", Ct);
            while (limiter.Queued == 0 && !waiting.IsCompleted) await Task.Delay(10, Ct);
            Assert.False(waiting.IsCompleted);

            // Orders and single orders never wait here.
            var second = (await c.Live.PlaceOrderAsync(new { amount_kg = 2 }))["id"]!.GetValue<string>();
            Assert.Equal(HttpStatusCode.OK, (await c.Live.GetAsync($"/v1/orders/{first}", Ct)).StatusCode);

            // The line is full: refused at once, with Retry-After, in each dialect's shape.
            var cnaught = await c.Live.GetAsync("/v1/orders?limit=1", Ct);
            Assert.Equal("1", cnaught.Headers.GetValues("Retry-After").Single());
            await cnaught.AssertProblemAsync(HttpStatusCode.ServiceUnavailable, "service-unavailable");
            var wren = await app.WithBasic(c.Account.LiveToken).GetAsync("/api/offset-orders", Ct);
            Assert.Equal("1", wren.Headers.GetValues("Retry-After").Single());
            Assert.Equal(["message"], (await wren.ReadJsonAsync(HttpStatusCode.ServiceUnavailable)).Keys());
            Assert.False(waiting.IsCompleted);

            held.Dispose();
            var page = await (await waiting).ReadJsonAsync(HttpStatusCode.OK);
            Assert.Equal([second, first], page.Ids());
        }
        finally
        {
            held.Dispose();
        }

        // Its turn over, the next list goes straight through.
        Assert.Equal(HttpStatusCode.OK, (await app.WithBasic(c.Account.LiveToken).GetAsync("/api/offset-orders", Ct)).StatusCode);
        Assert.Equal(0, limiter.Queued);
    }
}

public sealed class ListLimiterTestsOnSqlite(ListLimitedSqliteApp app) : ListLimiterTests(app), IClassFixture<ListLimitedSqliteApp>;

public sealed class ListLimiterTestsOnPostgres(ListLimitedPostgresApp app) : ListLimiterTests(app), IClassFixture<ListLimitedPostgresApp>;
