using System.Net;
using Canopy.Tests.Cnaught;
using Canopy.Tests.Infrastructure;
using Npgsql;

namespace Canopy.Tests.Trust;

/// <summary>
/// A PostgreSQL primary (port 56120 and up) and a hot standby streaming from it (56140 and up): two throwaway clusters
/// of this run, made with <c>pg_basebackup -R</c>. Without PostgreSQL's server binaries there are none.
/// </summary>
public sealed class ReplicaSet : IAsyncLifetime
{
    public PostgresCluster? Primary { get; private set; }
    public PostgresCluster? Standby { get; private set; }

    public async ValueTask InitializeAsync()
    {
        if (!PostgresCluster.CanMakeStandbys) return;
        Primary = await PostgresCluster.StartAsync(firstPort: 56120);
        Standby = await Primary.StartStandbyAsync(firstPort: 56140);
    }

    public void RequireClusters()
    {
        if (Primary is null || Standby is null)
            Assert.Skip("PostgreSQL's server binaries (initdb, pg_ctl, pg_basebackup) are not installed: the replication test needs its own primary and standby.");
    }

    /// <summary>Stops applying WAL on the standby: from now on it lags behind every commit on the primary.</summary>
    public Task PauseReplayAsync() => OnStandbyAsync("SELECT pg_wal_replay_pause()");

    public Task ResumeReplayAsync() => OnStandbyAsync("SELECT pg_wal_replay_resume()");

    /// <summary>Waits until the standby has applied everything the primary had written when called (bounded: 30 s).</summary>
    public async Task CatchUpAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        string lsn;
        await using (var primary = new NpgsqlConnection(Primary!.ConnectionString))
        {
            await primary.OpenAsync(ct);
            await using var cmd = new NpgsqlCommand("SELECT pg_current_wal_lsn()::text", primary);
            lsn = (string)(await cmd.ExecuteScalarAsync(ct))!;
        }
        await using var standby = new NpgsqlConnection(Standby!.ConnectionString);
        await standby.OpenAsync(ct);
        await using var replayed = new NpgsqlCommand("SELECT pg_last_wal_replay_lsn() >= @lsn::pg_lsn", standby);
        replayed.Parameters.AddWithValue("lsn", lsn);
        for (var attempt = 0; attempt < 1_500; attempt++)
        {
            if ((bool)(await replayed.ExecuteScalarAsync(ct))!) return;
            await Task.Delay(20, ct);
        }
        Assert.Fail($"The standby did not replay up to {lsn} within 30 s.");
    }

    private async Task OnStandbyAsync(string sql)
    {
        await using var standby = new NpgsqlConnection(Standby!.ConnectionString);
        await standby.OpenAsync(TestContext.Current.CancellationToken);
        await using var cmd = new NpgsqlCommand(sql, standby);
        await cmd.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (Standby is not null) await Standby.DisposeAsync();
        if (Primary is not null) await Primary.DisposeAsync();
    }
}

/// <summary>
/// A Canopy node on the replica set: it writes to the primary and reads what may lag from the standby
/// (<c>ConnectionStrings:CanopyRead</c> names the standby first and the primary as the fallback, prefer-standby; or,
/// <paramref name="standbyOnly"/>, the standby alone). The first node makes the database (on the primary; the standby
/// replicates it); a further node shares it and lists the standby first in its write string too, which must still
/// send every write to the primary.
/// </summary>
public sealed class ReplicaNode(ReplicaSet set, ReplicaNode? first = null, bool standbyOnly = false) : CanopyApp
{
    public override Db Db => Db.Postgres;

    protected override string? PostgresServer => set.Primary?.ConnectionString;

    protected override string? SharedConnectionString => first?.ConnectionString;

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings
    {
        get
        {
            var standbyFirst = $"127.0.0.1:{set.Standby!.Port},127.0.0.1:{set.Primary!.Port}";
            var read = new NpgsqlConnectionStringBuilder(ConnectionString)
            {
                Host = standbyOnly ? $"127.0.0.1:{set.Standby.Port}" : standbyFirst,
                TargetSessionAttributes = standbyOnly ? "standby" : "prefer-standby",
            };
            yield return new("ConnectionStrings:CanopyRead", read.ConnectionString);
            if (first is not null)
                yield return new("ConnectionStrings:Canopy", new NpgsqlConnectionStringBuilder(ConnectionString) { Host = standbyFirst }.ConnectionString);
        }
    }
}

/// <summary>
/// Scale-out on PostgreSQL's streaming replication: two Canopy nodes, one primary, one hot standby. Orders go in
/// through either node; an order is readable by id through the other node right after its 2xx (read-your-writes);
/// lists and impact figures come from the standby, shown by pausing its replay: they lag while it is paused and catch up
/// when it resumes.
/// </summary>
public sealed class ReadReplicaTests(ReplicaSet set) : IClassFixture<ReplicaSet>
{
    [Fact]
    public async Task OrdersGoToThePrimaryThroughEitherNodeAndAreReadableAtOnceWhileListsLagOnTheStandby()
    {
        set.RequireClusters();
        await using var a = new ReplicaNode(set);
        await a.InitializeAsync();
        await using var b = new ReplicaNode(set, a);
        await b.InitializeAsync();
        var c = await a.CreateCnaughtCustomerAsync(billing: "credits", credits: 1_000_000);
        var liveA = c.Live;
        var liveB = b.WithBearer(c.Account.LiveToken);
        var wrenA = a.WithBasic(c.Account.LiveToken);
        var wrenB = b.WithBasic(c.Account.LiveToken);
        await set.CatchUpAsync();
        Assert.Empty(await WrenOrderIdsAsync(wrenB));

        await set.PauseReplayAsync();
        string wrenThroughB;
        try
        {
            // Orders through either node: the writes reach the primary (the standby would refuse them), node B's
            // although its write string lists the standby first.
            var throughA = (await liveA.PlaceOrderAsync(new { amount_kg = 4 }))["id"]!.GetValue<string>();
            var throughB = (await liveB.PlaceOrderAsync(new { amount_kg = 6 }))["id"]!.GetValue<string>();
            var wren = await wrenB.PostRawAsync("/api/offset-orders", """{"tons":0.002,"paymentMethod":"credits"}""");
            wrenThroughB = (await wren.ReadJsonAsync(HttpStatusCode.OK))["id"]!.GetValue<string>();

            // Read-your-writes: each order is there by id through the other node at once, although the standby has none.
            Assert.Equal(throughA, (await liveB.GetJsonAsync($"/v1/orders/{throughA}"))["id"]!.GetValue<string>());
            Assert.Equal(throughB, (await liveA.GetJsonAsync($"/v1/orders/{throughB}"))["id"]!.GetValue<string>());
            Assert.Equal(3, await a.OrderCountAsync(c.Account.Id));

            // Lists and impact figures come from the standby, which has not applied the orders yet: on both nodes.
            Assert.Empty(await WrenOrderIdsAsync(wrenA));
            Assert.Empty(await WrenOrderIdsAsync(wrenB));
            Assert.Equal(0m, (await liveA.GetJsonAsync("/v1/impact/data"))["total_offset_kgs"]!.GetValue<decimal>());
            Assert.Equal(0m, (await liveB.GetJsonAsync("/v1/impact/data"))["total_offset_kgs"]!.GetValue<decimal>());
            Assert.Empty((await liveA.GetJsonAsync("/v1/orders"))["data"]!.AsArray());
            // A cursor the standby has not replayed yet (an order just placed) is paged on the primary, not refused;
            // an unknown one is still 400.
            Assert.Equal([throughA], (await liveB.GetJsonAsync($"/v1/orders?starting_after={throughB}"))["data"]!.AsArray().Select(o => o!["id"]!.GetValue<string>()));
            Assert.Equal(HttpStatusCode.BadRequest, (await liveB.GetAsync("/v1/orders?starting_after=nosuchorder", TestContext.Current.CancellationToken)).StatusCode);
        }
        finally
        {
            await set.ResumeReplayAsync();
        }

        // Once the standby has caught up, the same reads show every order.
        await set.CatchUpAsync();
        var listed = await WrenOrderIdsAsync(wrenA);
        Assert.Equal(3, listed.Count);
        Assert.Contains(wrenThroughB, listed);
        Assert.Equal(12m, (await liveB.GetJsonAsync("/v1/impact/data"))["total_offset_kgs"]!.GetValue<decimal>());
        Assert.Equal(3, (await liveB.GetJsonAsync("/v1/orders"))["data"]!.AsArray().Count); // the Wren offset order too
        await a.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task ANodeThatChangedTheCatalogueReadsItBackFromThePrimary()
    {
        set.RequireClusters();
        await using var a = new ReplicaNode(set);
        await a.InitializeAsync();
        var c = await a.CreateCnaughtCustomerAsync(billing: "credits", credits: 1_000_000);
        await c.Live.PlaceOrderAsync(new { amount_kg = 1 }); // the catalogue is loaded and cached
        await set.CatchUpAsync();

        await set.PauseReplayAsync();
        try
        {
            // A portfolio the standby does not have yet: the next order on this node may use it at once.
            var project = await a.CreateProjectAsync(2_000);
            var portfolio = await a.CreatePortfolioAsync((project["id"]!.GetValue<string>(), 1m));
            var order = await c.Live.PlaceOrderAsync(new { amount_kg = 2, portfolio_id = portfolio["id"]!.GetValue<string>() });
            var allocation = Assert.Single(order["project_allocations"]!.AsArray())!;
            Assert.Equal(project["id"]!.GetValue<string>(), allocation["project"]!["id"]!.GetValue<string>());
            Assert.Equal(4, order["price_usd_cents"]!.GetValue<long>()); // 2 kg at 20.00 USD a tonne
        }
        finally
        {
            await set.ResumeReplayAsync();
        }
    }

    [Fact]
    public async Task WithTheStandbyDownPreferStandbyReadsFallBackToThePrimaryAndStandbyOnlyReadsAnswer503()
    {
        set.RequireClusters();
        await using var a = new ReplicaNode(set);
        await a.InitializeAsync();
        await using var strict = new ReplicaNode(set, a, standbyOnly: true);
        await strict.InitializeAsync();
        var c = await a.CreateCnaughtCustomerAsync(billing: "credits", credits: 1_000_000);
        var wrenA = a.WithBasic(c.Account.LiveToken);
        var wrenStrict = strict.WithBasic(c.Account.LiveToken);
        var placed = await wrenA.PostRawAsync("/api/offset-orders", """{"tons":0.002,"paymentMethod":"credits"}""");
        var id = (await placed.ReadJsonAsync(HttpStatusCode.OK))["id"]!.GetValue<string>();
        await set.CatchUpAsync();
        Assert.Equal([id], await WrenOrderIdsAsync(wrenA)); // both nodes' read pools now hold standby connections
        Assert.Equal([id], await WrenOrderIdsAsync(wrenStrict));

        await set.Standby!.StopAsync();
        try
        {
            // prefer-standby: the primary serves the list; the first tries may meet a connection the pool held (503).
            HttpResponseMessage response;
            var attempts = 0;
            while ((response = await wrenA.GetAsync("/api/offset-orders", TestContext.Current.CancellationToken)).StatusCode != HttpStatusCode.OK && ++attempts < 20)
                Assert.Equal(["message"], (await response.ReadJsonAsync(HttpStatusCode.ServiceUnavailable)).Keys());
            var list = await response.ReadJsonAsync(HttpStatusCode.OK);
            Assert.Contains(id, list["offsetOrders"]!.AsArray().Select(r => r!["order_id"]!.GetValue<string>()));

            // Standby only: no host to read from is the database being unavailable, in Wren's shape, with Retry-After;
            // writes and reads that must be current carry on.
            var down = await wrenStrict.GetAsync("/api/offset-orders", TestContext.Current.CancellationToken);
            Assert.Equal(["message"], (await down.ReadJsonAsync(HttpStatusCode.ServiceUnavailable)).Keys());
            Assert.NotNull(down.Headers.RetryAfter);
            var another = await strict.WithBearer(c.Account.LiveToken).PlaceOrderAsync(new { amount_kg = 1 });
            Assert.Equal(HttpStatusCode.OK, (await c.Live.GetAsync($"/v1/orders/{another["id"]}", TestContext.Current.CancellationToken)).StatusCode);
        }
        finally
        {
            await set.Standby.StartAsync();
        }
    }

    /// <summary>The distinct order ids of the caller's Wren offset-order list (certified and uncertified rows).</summary>
    private static async Task<List<string>> WrenOrderIdsAsync(HttpClient wren)
    {
        var list = await wren.GetJsonAsync("/api/offset-orders");
        return [.. list["offsetOrders"]!.AsArray().Concat(list["uncertifiedOffsetOrders"]!.AsArray())
            .Select(r => r!["order_id"]!.GetValue<string>()).Distinct().Order(StringComparer.Ordinal)];
    }
}
