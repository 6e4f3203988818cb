using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Canopy.Notifications;
using Canopy.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Canopy.Outbox;

namespace Canopy.Tests.Fulfilment;

/// <summary>
/// An app whose clock is a <see cref="FakeTimeProvider"/> (tests move time, never wait for it), which delivers callbacks
/// to loopback listeners, and retries failed outbox messages at once (no backoff) unless a test moves the clock itself.
/// </summary>
public abstract class FulfilmentApp : CanopyApp
{
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 10, 10, 12, 0, 0, TimeSpan.Zero));

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
        [new("Callbacks:AllowPrivateTargets", "true"), new("Canopy:Outbox:BaseBackoffSeconds", "0"), new("Canopy:Outbox:DeferMilliseconds", "0")];

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);

    /// <summary>Works the outbox until nothing is due.</summary>
    public async Task DrainOutboxAsync()
    {
        var processor = Services.GetRequiredService<OutboxProcessor>();
        for (var i = 0; i < 100 && await processor.RunOnceAsync(TestContext.Current.CancellationToken) > 0; i++) { }
    }
}

public sealed class FulfilmentSqliteApp : FulfilmentApp
{
    public override Db Db => Db.Sqlite;
}

public sealed class FulfilmentPostgresApp : FulfilmentApp
{
    public override Db Db => Db.Postgres;
}

/// <summary>An account whose default portfolio is one offset project (1 000 ¢/t: 1 kg costs 1 ¢), so grams map to projects plainly.</summary>
public sealed record FulfilmentCustomer(TestAccount Account, string ProjectId, long ProjectWrenId, string PortfolioId, HttpClient Live, HttpClient Test);

internal static class FulfilmentKit
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<FulfilmentCustomer> CreateFulfilmentCustomerAsync(this CanopyApp app, string billing = "invoice", long credits = 0,
        string? projectId = null)
    {
        var admin = app.Admin();
        var project = projectId is null ? await app.CreateProjectAsync(1_000) : await admin.GetJsonAsync($"/admin/projects/{projectId}");
        var pid = project["id"]!.GetValue<string>();
        var portfolio = await app.CreatePortfolioAsync((pid, 1m));
        var account = await app.CreateAccountAsync(creditsUsdCents: credits);
        await admin.PatchJsonAsync($"/admin/accounts/{account.Id}", new { billing, default_portfolio_id = portfolio["id"]!.GetValue<string>() });
        if (billing == "card")
            await admin.PostJsonAsync($"/admin/accounts/{account.Id}/card", new { payment_method = "pm_card_visa" }, HttpStatusCode.OK);
        return new FulfilmentCustomer(account, pid, project["wren_id"]!.GetValue<long>(), portfolio["id"]!.GetValue<string>(),
            app.WithBearer(account.LiveToken), app.WithBearer(account.TestToken));
    }

    public static Task<JsonObject> AddInventoryAsync(this CanopyApp app, string projectId, int vintage, decimal kg, string? serialPrefix = null,
        string? registryUrl = null) =>
        app.Admin().PostJsonAsync("/admin/inventory", new { project_id = projectId, vintage, amount_kg = kg, serial_prefix = serialPrefix, registry_url = registryUrl },
            HttpStatusCode.Created);

    public static async Task<string> OrderAsync(this FulfilmentCustomer c, decimal kg, string? callbackUrl = null)
    {
        object body = callbackUrl is null ? new { amount_kg = kg } : new { amount_kg = kg, notification_config = new { url = callbackUrl } };
        var response = await c.Live.PostAsync("/v1/orders", System.Net.Http.Json.JsonContent.Create(body), Ct);
        return (await response.ReadJsonAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();
    }

    public static Task<JsonObject> CnaughtOrderAsync(this FulfilmentCustomer c, string id) => c.Live.GetJsonAsync($"/v1/orders/{id}");

    public static async Task<string> StateAsync(this FulfilmentCustomer c, string id) => (await c.CnaughtOrderAsync(id))["state"]!.GetValue<string>();

    /// <summary>The (serial_number_range, url) pairs of an order's allocations, in order.</summary>
    public static (string? Range, string? Url)[] Retirements(this JsonObject order) =>
        [.. order["project_allocations"]!.AsArray().SelectMany(a => a!["retirements"]!.AsArray())
            .Select(r => (r!["serial_number_range"]?.GetValue<string>(), r["url"]?.GetValue<string>()))];

    public static async Task<JsonObject> BatchAsync(this CanopyApp app, long batchId)
    {
        var list = await app.Admin().GetJsonAsync($"/admin/inventory/{batchId}");
        return list;
    }
}

/// <summary>A real HTTP listener on loopback that records callbacks and answers with the statuses it is told to.</summary>
public sealed class CallbackReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<int> _script = new();

    public sealed record Received(string Path, string Body, string? Signature, string? Event, int AnsweredWith);

    public ConcurrentQueue<Received> Requests { get; } = new();

    public Uri BaseAddress { get; }

    private CallbackReceiver(WebApplication app, Uri address)
    {
        _app = app;
        BaseAddress = address;
    }

    /// <summary>Answer the next requests with these statuses (then 200 again).</summary>
    public void AnswerNext(params int[] statuses)
    {
        foreach (var s in statuses) _script.Enqueue(s);
    }

    public string Url(string path) => new Uri(BaseAddress, path).ToString();

    public static async Task<CallbackReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        CallbackReceiver? receiver = null;
        app.Run(async http =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync();
            var status = receiver!._script.TryDequeue(out var s) ? s : 200;
            receiver.Requests.Enqueue(new Received(http.Request.Path, body, http.Request.Headers["Canopy-Signature"].FirstOrDefault(),
                http.Request.Headers["Canopy-Event"].FirstOrDefault(), status));
            http.Response.StatusCode = status;
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver = new CallbackReceiver(app, new Uri(address));
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
