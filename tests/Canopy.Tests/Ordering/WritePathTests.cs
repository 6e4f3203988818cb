using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Canopy.Accounts;
using Canopy.Cnaught;
using Canopy.Data;
using Canopy.Tests.Cnaught;
using Canopy.Tests.Infrastructure;
using Canopy.Tests.Wren;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Canopy.Tests.Ordering;

/// <summary>
/// The order write path's guarantees (issue: one transaction, one round trip, nothing lost): exact spending under load,
/// one order per Idempotency-Key under load, nothing left behind by a failure just before commit, quotes that price as
/// orders do, and a budget of database round trips per order.
/// </summary>
public abstract class WritePathTests(CanopyApp app)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static bool IsReplay(HttpResponseMessage r) => r.Headers.TryGetValues("X-Idempotent-Replay", out var v) && v.SingleOrDefault() == "true";

    [Fact]
    public async Task TwoHundredConcurrentCreditOrdersAgainstABalanceForFiftySpendExactlyFifty()
    {
        const int requests = 200;
        const int affordable = 50;
        // The customer's default portfolio blends 2 500 cents a tonne: 40 kg cost 100 cents.
        var c = await app.CreateCnaughtCustomerAsync(billing: "credits", credits: affordable * 100 + 42);
        var account = c.Account;
        var wren = app.WithBasic(account.LiveToken);
        var cnaught = c.Live;

        using var start = new SemaphoreSlim(0);
        var tasks = Enumerable.Range(0, requests).Select(async i =>
        {
            await start.WaitAsync(Ct);
            // Both dialects spend the one balance; half of the requests carry an Idempotency-Key.
            var key = i % 2 == 0 ? TestData.NewId("k") : null;
            return i % 4 < 2
                ? await cnaught.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 40 }, idempotencyKey: key)
                : await Send(wren, "/api/offset-orders", new { tons = 0.04m, paymentMethod = "credits" }, key);
        }).ToList();
        start.Release(requests);
        var responses = await Task.WhenAll(tasks);

        var placed = responses.Count(r => r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created);
        Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created or HttpStatusCode.BadRequest or HttpStatusCode.Forbidden,
            $"unexpected {(int)r.StatusCode}"));
        Assert.Equal(affordable, placed);
        Assert.Equal(42, await app.CreditsAsync(account.Id));
        Assert.Equal(affordable, await app.OrderCountAsync(account.Id));
        await app.AssertLedgerSoundAsync();
    }

    [Theory]
    [InlineData("cnaught")]
    [InlineData("wren")]
    public async Task FiftyConcurrentRequestsWithOneKeyMakeOneOrder(string dialect)
    {
        var c = await app.CreateCnaughtCustomerAsync(billing: "credits", credits: 100_000);
        var client = dialect == "cnaught" ? c.Live : app.WithBasic(c.Account.LiveToken);
        var key = TestData.NewId("key");
        using var start = new SemaphoreSlim(0);
        var tasks = Enumerable.Range(0, 50).Select(async _ =>
        {
            await start.WaitAsync(Ct);
            var r = await OrderTenKgAsync(dialect, client, key);
            return (Response: r, Body: await r.Content.ReadAsStringAsync(Ct));
        }).ToList();
        start.Release(50);
        var results = await Task.WhenAll(tasks);

        var success = dialect == "cnaught" ? HttpStatusCode.Created : HttpStatusCode.OK;
        var fresh = results.Where(r => r.Response.StatusCode == success && !IsReplay(r.Response)).ToList();
        Assert.Single(fresh);
        foreach (var (response, body) in results.Where(r => !(r.Response.StatusCode == success)))
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        // Replays are the first answer, byte for byte (the credits left included).
        Assert.All(results.Where(r => IsReplay(r.Response)), r => Assert.Equal(fresh[0].Body, r.Body));
        Assert.Equal(1, await app.OrderCountAsync(c.Account.Id));
        Assert.Equal(100_000 - 25, await app.CreditsAsync(c.Account.Id));

        var again = await OrderTenKgAsync(dialect, client, key);
        Assert.True(IsReplay(again));
        Assert.Equal(fresh[0].Body, await again.Content.ReadAsStringAsync(Ct));
        await app.AssertLedgerSoundAsync();
    }

    [Theory]
    [InlineData("cnaught")]
    [InlineData("wren")]
    public async Task AFailureJustBeforeCommitLeavesNoOrderNoLedgerRowAndNoClaimedKey(string dialect)
    {
        var c = await app.CreateCnaughtCustomerAsync(billing: "credits", credits: 10_000);
        var client = dialect == "cnaught" ? c.Live : app.WithBasic(c.Account.LiveToken);
        var key = TestData.NewId("inject");
        var before = await app.FootprintAsync(c.Account.Id);
        await InjectFailureAsync(key);
        try
        {
            var failed = await OrderTenKgAsync(dialect, client, key);
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
            Assert.DoesNotContain("injected", await failed.Content.ReadAsStringAsync(Ct), StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            await RemoveFailureAsync();
        }

        Assert.Equal(before, await app.FootprintAsync(c.Account.Id));
        Assert.Equal(0, await app.WithDbAsync(db => db.IdempotencyRecords.CountAsync(r => r.Key == key, Ct)));
        Assert.Equal(10_000, await app.CreditsAsync(c.Account.Id));

        // The client's retry with the same key goes through, once.
        var retry = await OrderTenKgAsync(dialect, client, key);
        Assert.True(retry.IsSuccessStatusCode, $"{(int)retry.StatusCode}");
        Assert.False(IsReplay(retry));
        Assert.Equal(before.Orders + 1, await app.OrderCountAsync(c.Account.Id));
        Assert.Equal(10_000 - 25, await app.CreditsAsync(c.Account.Id));
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task EveryQuoteTypePricesExactlyAsTheOrderThatFollows()
    {
        var c = await app.CreateCnaughtCustomerAsync(billing: "invoice");
        (string Path, object Body)[] quotes =
        [
            ("/v1/quotes", new { amount_kg = 12.3456m }),
            ("/v1/quotes/ride", new { distance_km = 17.3m }),
            ("/v1/quotes/flight", new { distance_km = 1234.5m }),
            ("/v1/quotes/train", new { distance_km = 321m }),
            ("/v1/quotes/air-freight", new { distance_km = 800m, freight_mass_kg = 250m }),
            ("/v1/quotes/ground-freight", new { distance_km = 450m, freight_mass_kg = 1200m }),
            ("/v1/quotes/ground-transport", new { distance_km = 55m, vehicle_type = "coach_bus" }),
            ("/v1/quotes/office-space", new { square_footage = 1500m }),
        ];
        foreach (var q in quotes)
        {
            var quote = await (await c.Live.SendAsync(HttpMethod.Post, q.Path, q.Body)).ReadJsonAsync(HttpStatusCode.OK);
            var kg = quote["amount_kg"]!.GetValue<decimal>();
            var order = await c.Live.PlaceOrderAsync(new { amount_kg = kg });
            Assert.Equal(kg, order["amount_kg"]!.GetValue<decimal>());
            Assert.Equal(quote["price_usd_cents"]!.GetValue<long>(), order["price_usd_cents"]!.GetValue<long>());
        }
        // A ride order agrees with its ride quote, distance for distance.
        var rideQuote = await (await c.Live.SendAsync(HttpMethod.Post, "/v1/quotes/ride", new { distance_km = 23.45m })).ReadJsonAsync(HttpStatusCode.OK);
        var ride = await (await c.Live.SendAsync(HttpMethod.Post, "/v1/orders/ride", new { distance_km = 23.45m })).ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal(rideQuote["amount_kg"]!.GetValue<decimal>(), ride["amount_kg"]!.GetValue<decimal>());
        Assert.Equal(rideQuote["price_usd_cents"]!.GetValue<long>(), ride["price_usd_cents"]!.GetValue<long>());
        // And a quote is refused where the order would be: a portfolio the account cannot buy from.
        var quoteRefused = await c.Live.SendAsync(HttpMethod.Post, "/v1/quotes", new { amount_kg = 1, portfolio_id = "nope" });
        var orderRefused = await c.Live.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 1, portfolio_id = "nope" });
        var quoteProblem = await quoteRefused.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        var orderProblem = await orderRefused.AssertProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal(orderProblem["title"]!.GetValue<string>(), quoteProblem["title"]!.GetValue<string>());
        Assert.Equal(orderProblem["detail"]!.GetValue<string>(), quoteProblem["detail"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("cnaught")]
    [InlineData("wren")]
    public async Task AKeyedOrderCostsOneDatabaseRoundTrip(string dialect)
    {
        var c = await app.CreateCnaughtCustomerAsync(billing: "credits", credits: 100_000);
        var client = dialect == "cnaught" ? c.Live : app.WithBasic(c.Account.LiveToken);
        Task<HttpResponseMessage> Order() => OrderTenKgAsync(dialect, client, TestData.NewId("k"));
        // Warm the caches (token, caller context, catalogue, ledger accounts).
        Assert.True((await Order()).IsSuccessStatusCode);

        var database = await app.WithDbAsync(db => Task.FromResult(DatabaseOf(db)));
        using var counter = new RoundTripCounter(app, database);
        var response = await Order();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}");
        if (app.Db == Db.Postgres)
        {
            // The budget: one batch, committed by its own Sync (no BEGIN, no separate COMMIT, no EF query).
            Assert.Equal(0, counter.EfCommands);
            Assert.Equal(1, counter.NpgsqlRoundTrips);
        }
        else
        {
            // SQLite: nothing on the request's own connections; the order went to the single writer.
            Assert.Equal(0, counter.EfCommands);
        }
    }

    [Fact]
    public async Task APageOfOrdersIsOneQuery()
    {
        var c = await app.CreateCnaughtCustomerAsync(billing: "invoice");
        var ids = new List<string>();
        for (var i = 0; i < 5; i++) ids.Add((await c.Live.PlaceOrderAsync(new { amount_kg = 1 + i }))["id"]!.GetValue<string>());
        Assert.Equal(3, (await c.Live.GetJsonAsync("/v1/orders?limit=3")).Ids().Length); // warm the caches

        var database = await app.WithDbAsync(db => Task.FromResult(DatabaseOf(db)));
        using var counter = new RoundTripCounter(app, database);
        var page = await c.Live.GetJsonAsync($"/v1/orders?limit=2&starting_after={ids[3]}");
        Assert.Equal([ids[2], ids[1]], page.Ids());
        Assert.All(page["data"]!.AsArray(), o => Assert.NotEmpty(o!["project_allocations"]!.AsArray()));
        Assert.Equal(1, counter.EfCommands);
        if (app.Db == Db.Postgres) Assert.Equal(1, counter.NpgsqlRoundTrips);
    }

    [Fact]
    public async Task APageRunsWithAGenericPlanAndLeavesTheConnectionAsItFoundIt()
    {
        // On PostgreSQL the page query runs with a generic plan (set and reset around it in its one round trip): planned
        // once per connection, not on every page. The connection is held open here, so nothing but the page's own
        // RESET can put the setting back.
        var c = await app.CreateCnaughtCustomerAsync(billing: "invoice");
        var ids = new List<string>();
        for (var i = 0; i < 4; i++) ids.Add((await c.Live.PlaceOrderAsync(new { amount_kg = 1 + i }))["id"]!.GetValue<string>());
        await app.WithDbAsync(async db =>
        {
            await db.Database.OpenConnectionAsync(Ct);
            var caller = new Caller(c.Account.Id, 0, TokenMode.Live, TokenKind.Team, null);
            for (var i = 0; i < 12; i++) // Npgsql prepares a statement at its fifth use
            {
                var page = await CnaughtOrderPageQuery.ReadAsync(db, caller, null, new CursorPage(3, null, false, null), Ct);
                Assert.Equal([ids[3], ids[2], ids[1]], page.Select(o => o.PublicId));
            }
            // A limit rounded up to the statement's size (10) and cut back to the page nearest the cursor, both ways.
            Assert.Equal([ids[2], ids[1]], (await CnaughtOrderPageQuery.ReadAsync(db, caller, null, new CursorPage(2, ids[3], false, null), Ct)).Select(o => o.PublicId));
            Assert.Equal([ids[2], ids[1]], (await CnaughtOrderPageQuery.ReadAsync(db, caller, null, new CursorPage(2, ids[0], true, null), Ct)).Select(o => o.PublicId));
            if (!db.IsPostgres) return 0;
            Assert.Equal("auto", await db.Database.SqlQueryRaw<string>("SELECT current_setting('plan_cache_mode') AS \"Value\"").SingleAsync(Ct));
            var generic = await db.Database.SqlQueryRaw<long>(
                "SELECT coalesce(sum(generic_plans), 0)::bigint AS \"Value\" FROM pg_prepared_statements WHERE statement LIKE '%LEFT JOIN order_allocations a ON a.order_id = o.id%'").SingleAsync(Ct);
            Assert.True(generic >= 5, $"generic plans: {generic}");
            var custom = await db.Database.SqlQueryRaw<long>(
                "SELECT coalesce(sum(custom_plans), 0)::bigint AS \"Value\" FROM pg_prepared_statements WHERE statement LIKE '%LEFT JOIN order_allocations a ON a.order_id = o.id%'").SingleAsync(Ct);
            Assert.Equal(0, custom);
            return 0;
        });
    }

    /// <summary>10 kg paid by credits, through either dialect (the customer's default portfolio: 25 cents).</summary>
    private static Task<HttpResponseMessage> OrderTenKgAsync(string dialect, HttpClient client, string? key) => dialect == "cnaught"
        ? client.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 10 }, idempotencyKey: key)
        : Send(client, "/api/offset-orders", new { tons = 0.01m, paymentMethod = "credits" }, key);

    private static Task<HttpResponseMessage> Send(HttpClient client, string url, object body, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = System.Net.Http.Json.JsonContent.Create(body) };
        if (key is not null) request.Headers.Add("Idempotency-Key", key);
        return client.SendAsync(request, Ct);
    }

    private static string DatabaseOf(CanopyDbContext db) => db.IsPostgres
        ? new NpgsqlConnectionStringBuilder(db.Database.GetConnectionString()).Database!
        : Path.GetFullPath(new SqliteConnectionStringBuilder(db.Database.GetConnectionString()).DataSource);

    /// <summary>
    /// A failure at the last moment: on PostgreSQL a deferred constraint trigger that raises at commit; on SQLite a trigger on
    /// the idempotency record, the order's last statement. Only the given key trips it.
    /// </summary>
    private Task<int> InjectFailureAsync(string key) => app.WithDbAsync(async db =>
    {
        // DDL takes no parameters; the key is a test-made id of letters and digits.
        Assert.Matches("^[a-z0-9]+$", key);
        var trigger = db.IsPostgres
            ? "CREATE CONSTRAINT TRIGGER test_fail_at_commit AFTER INSERT ON idempotency_records DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.key = 'KEY') EXECUTE FUNCTION test_injected_failure();"
            : "CREATE TRIGGER test_fail_at_commit AFTER INSERT ON idempotency_records WHEN NEW.key = 'KEY' BEGIN SELECT RAISE(ABORT, 'injected failure'); END;";
        trigger = trigger.Replace("KEY", key, StringComparison.Ordinal);
        if (db.IsPostgres)
        {
            await db.Database.ExecuteSqlRawAsync("CREATE OR REPLACE FUNCTION test_injected_failure() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$;", Ct);
        }
        await db.Database.ExecuteSqlRawAsync(trigger, Ct);
        return 0;
    });

    private Task<int> RemoveFailureAsync() => app.WithDbAsync(async db =>
    {
        await db.Database.ExecuteSqlRawAsync(db.IsPostgres ? "DROP TRIGGER IF EXISTS test_fail_at_commit ON idempotency_records;" : "DROP TRIGGER IF EXISTS test_fail_at_commit;", Ct);
        return 0;
    });

    /// <summary>
    /// Counts database work while it lives: EF Core commands (the app's <see cref="CommandCounter"/>) and Npgsql round trips
    /// for one database (Npgsql's activities: one per command or batch sent, EF's included). Other test classes run at the
    /// same time on other databases.
    /// </summary>
    private sealed class RoundTripCounter : IDisposable
    {
        private readonly ActivityListener _npgsql;
        private readonly CommandCounter _commands;
        private readonly int _efAtStart;
        private int _npgsqlTrips;

        public RoundTripCounter(CanopyApp app, string database)
        {
            _commands = app.Commands;
            _efAtStart = _commands.Count;
            _npgsql = new ActivityListener
            {
                ShouldListenTo = s => s.Name == "Npgsql",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
                ActivityStopped = a =>
                {
                    if (a.TagObjects.Any(t => t.Value is string v && v == database)) Interlocked.Increment(ref _npgsqlTrips);
                },
            };
            ActivitySource.AddActivityListener(_npgsql);
        }

        public int EfCommands => _commands.Count - _efAtStart;
        public int NpgsqlRoundTrips => Volatile.Read(ref _npgsqlTrips);

        public void Dispose() => _npgsql.Dispose();
    }
}

public sealed class WritePathTestsOnSqlite(SqliteApp app) : WritePathTests(app), IClassFixture<SqliteApp>;

public sealed class WritePathTestsOnPostgres(PostgresApp app) : WritePathTests(app), IClassFixture<PostgresApp>;
