using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Canopy.Data;
using Canopy.Notifications;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Canopy.Outbox;

namespace Canopy.Fulfilment;

/// <summary>
/// Outbox <c>order.callback</c>: POSTs the body rendered at the state change to the order's callback URL, signed
/// <c>Canopy-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 of "t.body" with the account's webhook secret&gt;</c>.
/// A 2xx completes the message; anything else (status, timeout, refused target) fails this attempt, and the outbox retries
/// with backoff for 24 h. Status and latency go into the attempt log. Messages without a body (written when an order is
/// placed: placing is answered synchronously, callbacks report later changes of state) complete without a request.
/// </summary>
internal sealed class CallbackHandler(CanopyDbContext db, IHttpClientFactory clients, OutboxAttemptDetails attempt, TimeProvider time,
    CallbackGate gate, IOptions<CallbackOptions> options, ILogger<CallbackHandler> logger) : IOutboxHandler
{
    public const string ClientName = "callbacks";
    public const string SignatureHeader = "Canopy-Signature";

    public string Topic => OutboxTopics.OrderCallback;

    public async Task HandleAsync(OutboxMessage message, CancellationToken ct)
    {
        using var payload = JsonDocument.Parse(message.Payload);
        if (!payload.RootElement.TryGetProperty("body", out var bodyElement))
        {
            logger.LogDebug("Callback message {MessageId} reports no change of state; nothing to send", message.Id);
            return;
        }
        var body = bodyElement.GetRawText();
        var target = await (
            from o in db.Orders
            join a in db.Accounts on o.AccountId equals a.Id
            where o.PublicId == message.Subject && o.AccountId == message.AccountId
            select new { o.CallbackUrl, a.WebhookSecret }).FirstOrDefaultAsync(ct)
            ?? throw new InvalidOperationException($"Order {message.Subject} of the callback does not exist.");
        if (target.CallbackUrl is null) return;

        // One receiver gets at most MaxPerTarget deliveries at once from this node; the rest step back (no attempt counted).
        var receiver = Uri.TryCreate(target.CallbackUrl, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) : target.CallbackUrl;
        if (!gate.TryEnter(receiver, Math.Max(1, options.Value.MaxPerTarget)))
            throw new OutboxDeferredException($"{receiver} already has {options.Value.MaxPerTarget} deliveries in flight.");
        try
        {
            await DeliverAsync(target.CallbackUrl, target.WebhookSecret, body, payload.RootElement.GetProperty("state").GetString(), ct);
        }
        finally
        {
            gate.Exit(receiver);
        }
    }

    private async Task DeliverAsync(string callbackUrl, string webhookSecret, string body, string? state, CancellationToken ct)
    {
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, callbackUrl)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(SignatureHeader, Signature(webhookSecret, timestamp, body));
        request.Headers.Add("Canopy-Event", "order." + state);

        var watch = Stopwatch.StartNew();
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            attempt.StatusCode = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
                throw new HttpRequestException($"The receiver answered HTTP {(int)response.StatusCode}.");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException("The receiver did not answer in time.");
        }
        finally
        {
            attempt.LatencyMs = watch.ElapsedMilliseconds;
        }
    }

    /// <summary>The signature header's value: <c>t=…,v1=…</c>.</summary>
    public static string Signature(string secret, long timestamp, string body)
    {
        var t = timestamp.ToString(CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(t + "." + body));
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    /// <summary>
    /// The callback client: a timeout for the whole delivery, no redirects (a redirect could lead anywhere), and the
    /// private-address rule applied to the address actually connected to.
    /// </summary>
    public static void Configure(IServiceCollection services)
    {
        services.AddSingleton<CallbackGate>();
        services.AddHttpClient(ClientName, (sp, c) =>
        {
            c.Timeout = TimeSpan.FromSeconds(Math.Max(1, sp.GetRequiredService<IOptions<CallbackOptions>>().Value.TimeoutSeconds));
            c.DefaultRequestHeaders.UserAgent.ParseAdd("Canopy-Callbacks/1.0");
        }).ConfigurePrimaryHttpMessageHandler(sp =>
        {
            var allowPrivate = sp.GetRequiredService<IOptions<CallbackOptions>>().Value.AllowPrivateTargets
                || CallbackTargets.AllowPrivate(sp.GetRequiredService<IConfiguration>());
            // Pooled keep-alive connections, as many per receiver as it may have deliveries in flight.
            return new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
                MaxConnectionsPerServer = Math.Max(1, sp.GetRequiredService<IOptions<CallbackOptions>>().Value.MaxPerTarget),
                ConnectCallback = async (context, token) =>
                {
                    var addresses = await System.Net.Dns.GetHostAddressesAsync(context.DnsEndPoint.Host, token);
                    var allowed = addresses.Where(a => allowPrivate || !CallbackTargets.IsPrivate(a)).ToArray();
                    if (allowed.Length == 0)
                        throw new HttpRequestException($"Callback target {context.DnsEndPoint.Host} is a private or loopback address (Callbacks:AllowPrivateTargets is off).");
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    try
                    {
                        await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, token);
                        return new NetworkStream(socket, ownsSocket: true);
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }
                },
            };
        }).SetHandlerLifetime(Timeout.InfiniteTimeSpan); // the handler keeps its pool; PooledConnectionLifetime renews connections (DNS)
    }
}
