using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Canopy.Tests.Cnaught;
using Canopy.Tests.Infrastructure;
using Canopy.Kernel;
using Canopy.Platform;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Canopy.Audit;

namespace Canopy.Tests.Trust;

/// <summary>An app whose traces also go to memory, so the test can see them.</summary>
public abstract class TracedApp : CanopyApp
{
    public ConcurrentQueue<Activity> Activities { get; } = new();

    protected override void ConfigureServices(IServiceCollection services) =>
        services.ConfigureOpenTelemetryTracerProvider(t => t.AddProcessor(new SimpleActivityExportProcessor(new Collector(Activities))));

    private sealed class Collector(ConcurrentQueue<Activity> into) : BaseExporter<Activity>
    {
        public override ExportResult Export(in Batch<Activity> batch)
        {
            foreach (var a in batch) into.Enqueue(a);
            return ExportResult.Success;
        }
    }
}

public sealed class TracedSqliteApp : TracedApp
{
    public override Db Db => Db.Sqlite;
}

public sealed class TracedPostgresApp : TracedApp
{
    public override Db Db => Db.Postgres;
}

/// <summary>
/// /metrics serves every metric docs/operations.md lists, in the Prometheus text format, and requests are traced
/// through ASP.NET Core down to the database. (Meters are process-wide, so other test apps' figures add to these:
/// the tests check what is there, not how much.)
/// </summary>
public abstract class TelemetryTests(TracedApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MetricsAreServedForPrometheusWithOrdersByDialectKindPaymentAndOutcome()
    {
        app.RequireAvailable();
        var customer = await app.CreateCnaughtCustomerAsync(billing: "invoice", credits: 1_000);
        await customer.Live.PlaceOrderAsync(new { amount_kg = 1 });
        var wren = app.WithBasic(customer.Account.LiveToken);
        Assert.Equal(HttpStatusCode.OK, (await wren.PostRawAsync("/api/offset-orders", """{"tons":0.001,"paymentMethod":"credits"}""")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await wren.PostRawAsync("/api/offset-orders", """{"tons":100,"paymentMethod":"credits"}""")).StatusCode);
        await app.Services.GetRequiredService<OperationsMetrics>().SampleAsync(Ct);

        var response = await app.Anonymous().GetAsync("/metrics", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync(Ct);
        var orders = text.Split('\n').Where(l => l.StartsWith("canopy_orders_total{", StringComparison.Ordinal)).ToList();
        Assert.Contains(orders, l => l.Contains("dialect=\"cnaught\"", StringComparison.Ordinal) && l.Contains("kind=\"offset\"", StringComparison.Ordinal)
            && l.Contains("payment_method=\"invoice\"", StringComparison.Ordinal) && l.Contains("outcome=\"placed\"", StringComparison.Ordinal));
        Assert.Contains(orders, l => l.Contains("dialect=\"wren\"", StringComparison.Ordinal) && l.Contains("payment_method=\"credits\"", StringComparison.Ordinal)
            && l.Contains("outcome=\"placed\"", StringComparison.Ordinal));
        Assert.Contains(orders, l => l.Contains("dialect=\"wren\"", StringComparison.Ordinal) && l.Contains("outcome=\"insufficient_credits\"", StringComparison.Ordinal));
        foreach (var metric in new[]
                 {
                     "canopy_order_amount_bucket{", "canopy_order_mass_grams_bucket{", "http_server_request_duration_seconds_bucket{",
                     "canopy_outbox_pending ", "canopy_outbox_lag_seconds ", "canopy_outbox_gave_up ", "canopy_outbox_delivery_failures_total ",
                     "canopy_fulfilment_backlog ", "canopy_fulfilment_backlog_age_seconds ", "canopy_auth_token_lookups_total{",
                 })
            Assert.Contains(metric, text, StringComparison.Ordinal);
        if (app.Db == Db.Postgres) Assert.Contains("db_client_connection", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestsAreTracedThroughAspNetCoreToTheDatabase()
    {
        app.RequireAvailable();
        var customer = await app.CreateCnaughtCustomerAsync(billing: "invoice");
        var order = await customer.Live.PlaceOrderAsync(new { amount_kg = 1 });
        Assert.Equal(HttpStatusCode.OK, (await customer.Live.GetAsync($"/v1/orders/{order["id"]}", Ct)).StatusCode);
        var activities = app.Activities.ToArray();
        Assert.Contains(activities, a => a.Kind == ActivityKind.Server && a.DisplayName.Contains("/v1/orders", StringComparison.Ordinal));
        Assert.Contains(activities, a => a.Kind == ActivityKind.Client
            && (a.Source.Name.Contains("EntityFrameworkCore", StringComparison.Ordinal) || a.Source.Name.Contains("Npgsql", StringComparison.Ordinal)));
    }
}

public sealed class TelemetryTestsOnSqlite(TracedSqliteApp app) : TelemetryTests(app), IClassFixture<TracedSqliteApp>;

public sealed class TelemetryTestsOnPostgres(TracedPostgresApp app) : TelemetryTests(app), IClassFixture<TracedPostgresApp>;
