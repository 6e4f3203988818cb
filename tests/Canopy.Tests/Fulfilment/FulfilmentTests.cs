using System.Net;
using Canopy.Data;
using Canopy.Tests.Cnaught;
using Canopy.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Canopy.Outbox;

namespace Canopy.Tests.Fulfilment;

public abstract class FulfilmentTests(FulfilmentApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnOrderIsRetiredOldestVintageFirstAcrossSeveralBatches()
    {
        app.RequireAvailable();
        var c = await app.CreateFulfilmentCustomerAsync();
        var v2021 = await app.AddInventoryAsync(c.ProjectId, 2021, 5, "PURO-2021", "https://registry.example/2021");
        var v2019 = await app.AddInventoryAsync(c.ProjectId, 2019, 3, "PURO-2019", "https://registry.example/2019");
        var v2020 = await app.AddInventoryAsync(c.ProjectId, 2020, 4.5m, "PURO-2020");

        var id = await c.OrderAsync(10);
        Assert.Equal("placed", await c.StateAsync(id));
        await app.DrainOutboxAsync();

        var order = await c.CnaughtOrderAsync(id);
        Assert.Equal("fulfilled", order["state"]!.GetValue<string>());
        Assert.Equal(
            [("PURO-2019-1-3000", "https://registry.example/2019"), ("PURO-2020-1-4500", null), ("PURO-2021-1-2500", "https://registry.example/2021")],
            order.Retirements());
        Assert.Equal(0, (await app.BatchAsync(v2019["id"]!.GetValue<long>()))["grams_available"]!.GetValue<long>());
        Assert.Equal(0, (await app.BatchAsync(v2020["id"]!.GetValue<long>()))["grams_available"]!.GetValue<long>());
        var last = await app.BatchAsync(v2021["id"]!.GetValue<long>());
        Assert.Equal((2_500L, 2_500L), (last["grams_available"]!.GetValue<long>(), last["grams_retired"]!.GetValue<long>()));

        // The next order continues the serial numbers where the last one stopped.
        var next = await c.OrderAsync(1);
        await app.DrainOutboxAsync();
        Assert.Equal([("PURO-2021-2501-3500", "https://registry.example/2021")], (await c.CnaughtOrderAsync(next)).Retirements());
        await app.AssertLedgerSoundAsync();
    }

    /// <summary>
    /// The order list writes its JSON straight from the rows; GET /v1/orders/{id} serialises the order record. Both must
    /// give the same bytes for every kind of order: split over batches, waiting, cancelled, ride, in a subaccount, and
    /// with text that needs escaping.
    /// </summary>
    [Fact]
    public async Task TheOrderListWritesEveryOrderExactlyAsItsOwnGetDoes()
    {
        app.RequireAvailable();
        await using var receiver = await CallbackReceiver.StartAsync();
        var c = await app.CreateFulfilmentCustomerAsync();
        await app.AddInventoryAsync(c.ProjectId, 2019, 3, "VCS-2019", "https://registry.example/2019?a=1&b=\"2\"");
        await app.AddInventoryAsync(c.ProjectId, 2020, 4, "VCS-2020");

        var ids = new List<string> { await c.OrderAsync(5.5m), await c.OrderAsync(0.25m) };
        var odd = await (await c.Live.SendAsync(HttpMethod.Post, "/v1/orders", new
        {
            amount_kg = 0.001m,
            metadata = "naïve \"quoted\" <b>&amp;</b> \\ 🌳 \u2028 tab\t",
            description = "Ünïcode – dash",
            notification_config = new { url = receiver.Url("/hook?x=<1>") },
        })).ReadJsonAsync(HttpStatusCode.Created);
        ids.Add(odd["id"]!.GetValue<string>());
        var ride = await (await c.Live.SendAsync(HttpMethod.Post, "/v1/orders/ride", new { distance_km = 12.345m })).ReadJsonAsync(HttpStatusCode.Created);
        ids.Add(ride["id"]!.GetValue<string>());
        var sub = await c.Live.PostJsonAsync("/v1/subaccounts", new { name = "Fleet" }, HttpStatusCode.Created);
        ids.Add((await c.Live.PlaceOrderAsync(new { amount_kg = 1 }, sub["id"]!.GetValue<string>()))["id"]!.GetValue<string>());
        ids.Add(await c.OrderAsync(50)); // more than the inventory left: waits, placed
        await app.DrainOutboxAsync();
        var cancelled = await c.OrderAsync(0.5m);
        ids.Add(cancelled);
        await app.DrainOutboxAsync();
        await (await c.Live.SendAsync(HttpMethod.Post, $"/v1/orders/{cancelled}/cancel")).ReadJsonAsync(HttpStatusCode.OK);

        // The list has served (and cached) the project's JSON once; an operator's edit must show in the next page.
        Assert.Equal(HttpStatusCode.OK, (await c.Live.GetAsync("/v1/orders?limit=100", Ct)).StatusCode);
        await app.Admin().PatchJsonAsync($"/admin/projects/{c.ProjectId}", new { name = "Renamed \"forest\"" });

        var page = await c.Live.GetAsync("/v1/orders?limit=100", Ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("application/json; charset=utf-8", page.Content.Headers.ContentType!.ToString());
        using var list = System.Text.Json.JsonDocument.Parse(await page.Content.ReadAsStringAsync(Ct));
        var items = list.RootElement.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(Enumerable.Reverse(ids), items.Select(i => i.GetProperty("id").GetString()));
        foreach (var item in items)
        {
            var one = await c.Live.GetAsync($"/v1/orders/{item.GetProperty("id").GetString()}", Ct);
            Assert.Equal(await one.Content.ReadAsStringAsync(Ct), item.GetRawText());
        }
        // The kinds the comparison covered: retirements over two batches, a cancelled order without, a subaccount, a ride.
        var byId = items.ToDictionary(i => i.GetProperty("id").GetString()!);
        Assert.Equal(2, byId[ids[0]].GetProperty("project_allocations")[0].GetProperty("retirements").GetArrayLength());
        Assert.Equal("cancelled", byId[cancelled].GetProperty("state").GetString());
        Assert.Equal(sub["id"]!.GetValue<string>(), byId[ids[4]].GetProperty("subaccount_id").GetString());
        Assert.Equal(12.345m, byId[ids[3]].GetProperty("distance_km").GetDecimal());
        Assert.Equal("placed", byId[ids[5]].GetProperty("state").GetString());
        Assert.Equal("Renamed \"forest\"", byId[ids[0]].GetProperty("project_allocations")[0].GetProperty("project").GetProperty("name").GetString());
    }

    /// <summary>CNaught's impact data names the vintages retired for each project; a cancel releases them.</summary>
    [Fact]
    public async Task ImpactDataListsTheVintagesRetiredForEachProject()
    {
        app.RequireAvailable();
        var c = await app.CreateFulfilmentCustomerAsync();
        await app.AddInventoryAsync(c.ProjectId, 2021, 5);
        await app.AddInventoryAsync(c.ProjectId, 2019, 3);
        var first = await c.OrderAsync(6); // 3 kg of 2019, 3 kg of 2021
        var second = await c.OrderAsync(1); // 1 kg of 2021
        await app.DrainOutboxAsync();

        static string Vintages(System.Text.Json.Nodes.JsonObject impact) =>
            impact["categories"]!.AsArray().Single()!["projects"]!.AsArray().Single()!["vintages"]!.GetValue<string>();
        Assert.Equal("2019, 2021", Vintages(await c.Live.GetJsonAsync("/v1/impact/data")));

        await (await c.Live.SendAsync(HttpMethod.Post, $"/v1/orders/{first}/cancel")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("2021", Vintages(await c.Live.GetJsonAsync("/v1/impact/data")));
        Assert.Equal("fulfilled", await c.StateAsync(second));
    }

    [Fact]
    public async Task WaitingOrdersAreFulfilledInOrderOfArrivalWhenInventoryArrives()
    {
        app.RequireAvailable();
        var c = await app.CreateFulfilmentCustomerAsync();
        var first = await c.OrderAsync(5);
        var second = await c.OrderAsync(5);
        await app.DrainOutboxAsync();
        Assert.Equal(["placed", "placed"], [await c.StateAsync(first), await c.StateAsync(second)]);

        // 7 kg: the first order is covered, the second gets the 2 kg left and keeps waiting.
        await app.AddInventoryAsync(c.ProjectId, 2022, 7, "DAC-22");
        await app.DrainOutboxAsync();
        Assert.Equal("fulfilled", await c.StateAsync(first));
        Assert.Equal("placed", await c.StateAsync(second));
        var partial = await app.Admin().GetJsonAsync($"/admin/orders/{second}");
        Assert.Equal(2_000, partial["allocations"]![0]!["grams_retired"]!.GetValue<long>());

        // A later order does not jump the queue when more inventory arrives.
        var third = await c.OrderAsync(1);
        await app.DrainOutboxAsync();
        Assert.Equal("placed", await c.StateAsync(third));
        await app.AddInventoryAsync(c.ProjectId, 2023, 3, "DAC-23");
        await app.DrainOutboxAsync();
        Assert.Equal("fulfilled", await c.StateAsync(second));
        Assert.Equal("placed", await c.StateAsync(third));
        Assert.Equal([("DAC-22-5001-7000", null), ("DAC-23-1-3000", null)], (await c.CnaughtOrderAsync(second)).Retirements());
        await app.AssertLedgerSoundAsync();
    }

    /// <summary>
    /// Orders waiting for inventory wait in their project's line: the worker never works on them again until inventory
    /// arrives, and the cost of fulfilling a new order does not grow with the number waiting. Inventory that arrives then
    /// serves the line in order of arrival, with exact serial ranges.
    /// </summary>
    [Fact]
    public async Task WaitingOrdersCostNothingWhileTheyWaitAndInventoryServesThemInOrder()
    {
        app.RequireAvailable();
        // Half of every order goes to a stocked project, half to one without inventory: each order retires half and waits.
        var stocked = (await app.CreateProjectAsync(1_000))["id"]!.GetValue<string>();
        var empty = (await app.CreateProjectAsync(1_000))["id"]!.GetValue<string>();
        var portfolio = await app.CreatePortfolioAsync((stocked, 0.5m), (empty, 0.5m));
        var account = await app.CreateAccountAsync();
        await app.Admin().PatchJsonAsync($"/admin/accounts/{account.Id}", new { billing = "invoice", default_portfolio_id = portfolio["id"]!.GetValue<string>() });
        await app.AddInventoryAsync(stocked, 2024, 1_000, "S");
        var c = new FulfilmentCustomer(account, empty, 0, portfolio["id"]!.GetValue<string>(), app.WithBearer(account.LiveToken), app.WithBearer(account.TestToken));
        var processor = app.Services.GetRequiredService<OutboxProcessor>();

        // What the worker spends on one new order, with one order waiting and with twenty.
        List<string> ids = [];
        async Task<(int Commands, long Rows)> FulfilOneMoreAsync()
        {
            ids.Add(await c.OrderAsync(2));
            var (commands, rows) = (app.Commands.Count, app.Commands.RowsRead);
            await app.DrainOutboxAsync();
            return (app.Commands.Count - commands, app.Commands.RowsRead - rows);
        }
        await FulfilOneMoreAsync();
        var second = await FulfilOneMoreAsync();
        for (var i = 0; i < 17; i++) await FulfilOneMoreAsync();
        var twentieth = await FulfilOneMoreAsync();
        Assert.Equal(second, twentieth);
        foreach (var id in ids) Assert.Equal("placed", await c.StateAsync(id));

        // Worker passes while nothing arrives touch none of them: no message is due, no attempt is made.
        async Task<int> FulfilAttemptsAsync() => await app.WithDbAsync(db => (
            from a in db.OutboxAttempts join m in db.OutboxMessages on a.MessageId equals m.Id
            where m.Topic == OutboxTopics.FulfilOrder && ids.Contains(m.Subject) select a).CountAsync(Ct));
        Assert.Equal(ids.Count, await FulfilAttemptsAsync());
        for (var i = 0; i < 3; i++) Assert.Equal(0, await processor.RunOnceAsync(Ct));
        Assert.Equal(ids.Count, await FulfilAttemptsAsync());

        // 10.5 kg arrive: the first ten orders are covered (1 kg each), the eleventh gets 500 g and keeps its place.
        await app.AddInventoryAsync(empty, 2025, 10.5m, "Q");
        await app.DrainOutboxAsync();
        var states = new List<string>();
        foreach (var id in ids) states.Add(await c.StateAsync(id));
        Assert.Equal([.. Enumerable.Repeat("fulfilled", 10), .. Enumerable.Repeat("placed", 10)], states);
        for (var i = 0; i < 10; i++)
            Assert.Equal([$"Q-{i * 1_000 + 1}-{(i + 1) * 1_000}"], QRanges(await c.CnaughtOrderAsync(ids[i])));
        Assert.Equal(500, (await app.Admin().GetJsonAsync($"/admin/orders/{ids[10]}"))["allocations"]!.AsArray()
            .Sum(a => a!["grams_retired"]!.GetValue<long>()) - 1_000);

        // 10 kg more: the rest, still in order of arrival.
        await app.AddInventoryAsync(empty, 2026, 10, "R");
        await app.DrainOutboxAsync();
        foreach (var id in ids) Assert.Equal("fulfilled", await c.StateAsync(id));
        Assert.Equal(["Q-10001-10500", "R-1-500"], QRanges(await c.CnaughtOrderAsync(ids[10])));
        for (var i = 11; i < 20; i++)
            Assert.Equal([$"R-{(i - 11) * 1_000 + 501}-{(i - 10) * 1_000 + 500}"], QRanges(await c.CnaughtOrderAsync(ids[i])));
        await app.AssertLedgerSoundAsync();

        static string?[] QRanges(System.Text.Json.Nodes.JsonObject order) =>
            [.. order.Retirements().Select(r => r.Range).Where(r => r is not null && !r.StartsWith("S-", StringComparison.Ordinal))];
    }

    /// <summary>
    /// One worker pass takes a group of order.fulfil messages and fulfils them in one transaction: an order whose batch
    /// runs short waits (keeping what it got) while the others in the group are fulfilled; the group costs the database
    /// about what one order does, not one order's work per order.
    /// </summary>
    [Fact]
    public async Task AGroupOfOrdersIsFulfilledInOnePassAndAShortOneWaitsWithoutHoldingUpTheOthers()
    {
        app.RequireAvailable();
        var plenty = await app.CreateFulfilmentCustomerAsync();
        var scarce = await app.CreateFulfilmentCustomerAsync();
        await app.AddInventoryAsync(plenty.ProjectId, 2024, 100, "P");
        await app.AddInventoryAsync(scarce.ProjectId, 2024, 3, "S");
        var processor = app.Services.GetRequiredService<OutboxProcessor>();

        // What one order costs the worker alone.
        var alone = await plenty.OrderAsync(1);
        var before = app.Commands.Count;
        Assert.Equal(1, await processor.RunOnceAsync(Ct));
        var one = app.Commands.Count - before;
        Assert.Equal("fulfilled", await plenty.StateAsync(alone));

        List<string> ids = [];
        for (var i = 0; i < 4; i++) ids.Add(await plenty.OrderAsync(2));
        var short_ = await scarce.OrderAsync(5);
        for (var i = 0; i < 5; i++) ids.Add(await plenty.OrderAsync(2));
        before = app.Commands.Count;
        Assert.Equal(10, await processor.RunOnceAsync(Ct));
        var ten = app.Commands.Count - before;
        // (PostgreSQL sends each SaveChanges as one batch; SQLite, in process, runs its rows as separate commands.)
        Assert.True(ten < 3 * one, $"Ten orders in one group took {ten} database commands; one order alone took {one}.");

        foreach (var id in ids) Assert.Equal("fulfilled", await plenty.StateAsync(id));
        Assert.Equal("placed", await scarce.StateAsync(short_));
        Assert.Equal([("S-1-3000", null)], (await scarce.CnaughtOrderAsync(short_)).Retirements());
        for (var i = 0; i < ids.Count; i++)
            Assert.Equal([($"P-{1_001 + i * 2_000}-{1_000 + (i + 1) * 2_000}", null)], (await plenty.CnaughtOrderAsync(ids[i])).Retirements());
        Assert.Equal(0, await processor.RunOnceAsync(Ct));

        // The short order keeps its place: the next grams for its project go to it.
        await app.AddInventoryAsync(scarce.ProjectId, 2025, 2, "T");
        await app.DrainOutboxAsync();
        Assert.Equal("fulfilled", await scarce.StateAsync(short_));
        Assert.Equal([("S-1-3000", null), ("T-1-2000", null)], (await scarce.CnaughtOrderAsync(short_)).Retirements());
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task DonationAndTreeAllocationsAndSandboxOrdersHoldNoInventory()
    {
        app.RequireAvailable();
        var offset = await app.CreateProjectAsync(1_000);
        var donation = await app.CreateProjectAsync(1_000, kind: "donation");
        var portfolio = await app.CreatePortfolioAsync((offset["id"]!.GetValue<string>(), 0.5m), (donation["id"]!.GetValue<string>(), 0.5m));
        var account = await app.CreateAccountAsync(creditsUsdCents: 1_000);
        await app.Admin().PatchJsonAsync($"/admin/accounts/{account.Id}", new { billing = "invoice", default_portfolio_id = portfolio["id"]!.GetValue<string>() });
        await app.AddInventoryAsync(offset["id"]!.GetValue<string>(), 2024, 100);
        var live = app.WithBearer(account.LiveToken);
        var order = await live.PostJsonAsync("/v1/orders", new { amount_kg = 10 }, HttpStatusCode.Created);
        var sandbox = await app.WithBearer(account.TestToken).PostJsonAsync("/v1/orders", new { amount_kg = 1_000 }, HttpStatusCode.Created);
        await app.DrainOutboxAsync();

        var detail = await app.Admin().GetJsonAsync($"/admin/orders/{order["id"]!.GetValue<string>()}");
        Assert.Equal("fulfilled", detail["order"]!["state"]!.GetValue<string>());
        var allocations = detail["allocations"]!.AsArray();
        Assert.Equal([5_000L, 0L], allocations.Select(a => a!["grams_retired"]!.GetValue<long>()));
        // The sandbox order is fulfilled without touching live inventory (it asked for ten times what there is).
        var sandboxDetail = await app.Admin().GetJsonAsync($"/admin/orders/{sandbox["id"]!.GetValue<string>()}");
        Assert.Equal("fulfilled", sandboxDetail["order"]!["state"]!.GetValue<string>());
        Assert.All(sandboxDetail["allocations"]!.AsArray(), a => Assert.Empty(a!["retirements"]!.AsArray()));
        // An order wholly for a donation project (Wren's project order) is fulfilled too, with nothing retired.
        var wren = app.WithBasic(account.LiveToken);
        await (await wren.PostRawAsync("/api/project-orders", $$"""{"projectId":{{donation["wren_id"]!.GetValue<long>()}},"amountInUsdCents":500,"paymentMethod":"credits"}""")).ReadJsonAsync(HttpStatusCode.OK);
        await app.DrainOutboxAsync();
        string giftId;
        await using (var scope = app.Services.CreateAsyncScope())
            giftId = await scope.ServiceProvider.GetRequiredService<CanopyDbContext>().Orders
                .Where(o => o.AccountId == account.Id && o.Kind == Canopy.Ordering.OrderKind.Donation).Select(o => o.PublicId).SingleAsync(Ct);
        var giftDetail = await app.Admin().GetJsonAsync($"/admin/orders/{giftId}");
        Assert.Equal(("donation", "fulfilled"), (giftDetail["order"]!["kind"]!.GetValue<string>(), giftDetail["order"]!["state"]!.GetValue<string>()));
        Assert.All(giftDetail["allocations"]!.AsArray(), a => Assert.Empty(a!["retirements"]!.AsArray()));
        var vintages = await app.Admin().GetJsonAsync($"/admin/inventory/vintages?project_id={offset["id"]!.GetValue<string>()}");
        var v = Assert.Single(vintages["data"]!.AsArray())!;
        Assert.Equal((100_000L, 5_000L, 95_000L), (v["grams_issued"]!.GetValue<long>(), v["grams_retired"]!.GetValue<long>(), v["grams_available"]!.GetValue<long>()));
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task ConcurrentWorkersNeverOverdrawABatch()
    {
        app.RequireAvailable();
        var c = await app.CreateFulfilmentCustomerAsync();
        var batch = await app.AddInventoryAsync(c.ProjectId, 2024, 25);
        var ids = new List<string>();
        for (var i = 0; i < 12; i++) ids.Add(await c.OrderAsync(3));

        // Four workers at once over the same outbox and the same batch.
        var processor = app.Services.GetRequiredService<Canopy.Outbox.OutboxProcessor>();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (await processor.RunOnceAsync(Ct) > 0) { }
        }, Ct)));
        await app.DrainOutboxAsync();

        var states = new List<string>();
        foreach (var id in ids) states.Add(await c.StateAsync(id));
        Assert.Equal(8, states.Count(s => s == "fulfilled")); // 8 × 3 kg = 24 kg of 25
        Assert.Equal(ids.Take(8), ids.Where((_, i) => states[i] == "fulfilled")); // in order of arrival
        Assert.Equal(0, (await app.BatchAsync(batch["id"]!.GetValue<long>()))["grams_available"]!.GetValue<long>());
        var retired = await app.WithDbAsync(db => db.Retirements.Where(r => r.BatchId == batch["id"]!.GetValue<long>()).SumAsync(r => r.Grams, Ct));
        Assert.Equal(25_000, retired);
        await app.AssertLedgerSoundAsync();
    }
}

public sealed class FulfilmentTestsOnSqlite(FulfilmentSqliteApp app) : FulfilmentTests(app), IClassFixture<FulfilmentSqliteApp>;

public sealed class FulfilmentTestsOnPostgres(FulfilmentPostgresApp app) : FulfilmentTests(app), IClassFixture<FulfilmentPostgresApp>;
