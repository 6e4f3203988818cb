using System.Net;
using System.Text.Json.Nodes;
using Canopy.Tests.Cnaught;
using Canopy.Tests.Infrastructure;
using Canopy.Tests.Wren;

namespace Canopy.Tests.Trust;

/// <summary>Canopy on its own PostgreSQL cluster (port 56100 and up), which the test stops and starts again.</summary>
public sealed class OutageApp : CanopyApp, IAsyncLifetime
{
    private PostgresCluster? _cluster;

    public override Db Db => Db.Postgres;

    public PostgresCluster Cluster => _cluster ?? throw new InvalidOperationException("No cluster: PostgreSQL's server binaries are not installed.");

    protected override string? PostgresServer => _cluster?.ConnectionString;

    public new async ValueTask InitializeAsync()
    {
        if (PostgresCluster.ServerBinaries() is not null) _cluster = await PostgresCluster.StartAsync(firstPort: 56100);
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        if (_cluster is { Running: false }) await _cluster.StartAsync(); // so the base can drop its database
        await base.DisposeAsync();
        if (_cluster is not null) await _cluster.DisposeAsync();
    }
}

/// <summary>
/// PostgreSQL stopped for a while under load: every request answers at once (within the client's 30 s timeout, never
/// hanging on the database) with 503 and Retry-After in its surface's shape, never a 500; /health/ready says so; and
/// when the server is back, service resumes by itself with no restart and nothing acknowledged lost.
/// </summary>
public sealed class DatabaseOutageTests(OutageApp app) : IClassFixture<OutageApp>
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PostgresStoppedUnderLoadIs503InTheDialectsShapeAndServiceResumesWithoutARestart()
    {
        if (PostgresCluster.ServerBinaries() is null) Assert.Skip("PostgreSQL's server binaries are not installed.");
        var c = await app.CreateCnaughtCustomerAsync(billing: "credits", credits: 1_000_000);
        var wren = app.WithBasic(c.Account.LiveToken);
        wren.Timeout = c.Live.Timeout = TimeSpan.FromSeconds(30);
        Assert.Equal(HttpStatusCode.OK, (await wren.PostRawAsync("/api/offset-orders", """{"tons":0.004,"paymentMethod":"credits"}""")).StatusCode);
        var acknowledged = new List<string> { (await c.Live.PlaceOrderAsync(new { amount_kg = 4 }))["id"]!.GetValue<string>() };

        // Load from a few clients while the database goes away and comes back.
        using var stop = new CancellationTokenSource();
        var statuses = new System.Collections.Concurrent.ConcurrentBag<(HttpStatusCode Status, string Body)>();
        var load = Enumerable.Range(0, 4).Select(i => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var response = i % 2 == 0
                    ? await wren.PostRawAsync("/api/offset-orders", """{"tons":0.004,"paymentMethod":"credits"}""")
                    : await c.Live.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 4 });
                var body = await response.Content.ReadAsStringAsync(Ct);
                statuses.Add((response.StatusCode, body));
                if (i % 2 == 1 && response.StatusCode == HttpStatusCode.Created)
                    lock (acknowledged) acknowledged.Add(JsonNode.Parse(body)!["id"]!.GetValue<string>());
                await Task.Delay(20, Ct);
            }
        }, Ct)).ToList();

        await app.Cluster.StopAsync();
        // While it is down: each surface answers 503 in its own shape, with Retry-After.
        var wrenDown = await wren.PostRawAsync("/api/offset-orders", """{"tons":0.004,"paymentMethod":"credits"}""");
        Assert.Equal(["message"], (await wrenDown.ReadJsonAsync(HttpStatusCode.ServiceUnavailable)).Keys());
        Assert.NotNull(wrenDown.Headers.RetryAfter);
        var cnaughtDown = await c.Live.GetAsync("/v1/orders", Ct);
        Assert.Equal(CnaughtKit.ErrorBase + "service-unavailable", (await cnaughtDown.AssertProblemAsync(HttpStatusCode.ServiceUnavailable))["type"]!.GetValue<string>());
        await (await app.Admin().GetAsync($"/admin/accounts/{c.Account.Id}", Ct)).AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await app.Anonymous().GetAsync("/health/ready", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Anonymous().GetAsync("/health/live", Ct)).StatusCode);

        await app.Cluster.StartAsync();
        // Back by itself: the first requests may still meet a connection the pool held from before; then it serves.
        HttpStatusCode status = default;
        for (var attempt = 0; attempt < 100 && status != HttpStatusCode.Created; attempt++)
        {
            var response = await c.Live.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 4 });
            status = response.StatusCode;
            if (status == HttpStatusCode.Created) acknowledged.Add((await response.ReadJsonAsync(HttpStatusCode.Created))["id"]!.GetValue<string>());
            else await Task.Delay(100, Ct);
        }
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(HttpStatusCode.OK, (await app.Anonymous().GetAsync("/health/ready", Ct)).StatusCode);
        await stop.CancelAsync();
        await Task.WhenAll(load);

        Assert.All(statuses, s => Assert.True(s.Status is HttpStatusCode.OK or HttpStatusCode.Created or HttpStatusCode.ServiceUnavailable,
            $"{(int)s.Status} {s.Body}"));
        Assert.Contains(statuses, s => s.Status == HttpStatusCode.ServiceUnavailable);
        foreach (var id in acknowledged.ToArray())
            Assert.Equal(HttpStatusCode.OK, (await c.Live.GetAsync($"/v1/orders/{id}", Ct)).StatusCode);
        await app.AssertLedgerSoundAsync();
    }
}
