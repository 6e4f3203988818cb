using Canopy.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Canopy.Notifications;

/// <summary>Does the work of one outbox topic. Must be safe to run more than once for a message (delivery is at least once).</summary>
public interface IOutboxHandler
{
    string Topic { get; }
    Task HandleAsync(OutboxMessage message, CancellationToken ct);
}

/// <summary><c>Canopy:Outbox</c>: how the outbox is worked.</summary>
public sealed class OutboxOptions
{
    /// <summary>Whether this node runs the background worker (any number of nodes may).</summary>
    public bool WorkerEnabled { get; set; } = true;
    public int PollSeconds { get; set; } = 5;
    /// <summary>How long a node holds a message it is working on before another may take it.</summary>
    public int LeaseSeconds { get; set; } = 60;
    /// <summary>First retry delay; it doubles per failed attempt up to <see cref="MaxBackoffSeconds"/>.</summary>
    public int BaseBackoffSeconds { get; set; } = 10;
    public int MaxBackoffSeconds { get; set; } = 3600;
    /// <summary>After this long since the message was written, failures stop being retried.</summary>
    public int GiveUpAfterHours { get; set; } = 24;
    public int BatchSize { get; set; } = 20;
}

/// <summary>
/// Takes due outbox messages by lease and hands them to their topic's handler (DESIGN §5): each try is logged in
/// outbox_attempts; a failure is retried with exponential backoff for 24 hours, then given up for an operator.
/// The lease is a conditional update, so any number of nodes can work the same outbox without doing a message twice
/// at once. Topics without a handler (in this version: fulfilment, callbacks, receipt e-mails) wait for theirs.
/// </summary>
public sealed class OutboxProcessor(IServiceScopeFactory scopes, IEnumerable<IOutboxHandlerRegistration> registrations,
    TimeProvider time, IOptions<OutboxOptions> options, ILogger<OutboxProcessor> logger)
{
    private readonly string[] _topics = [.. registrations.Select(r => r.Topic).Distinct(StringComparer.Ordinal)];

    /// <summary>Works one batch of due messages; returns how many were tried.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        if (_topics.Length == 0) return 0;
        List<long> due;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
            var now = time.GetUtcNow().UtcDateTime;
            due = await db.OutboxMessages.AsNoTracking()
                .Where(m => m.CompletedAt == null && m.GaveUpAt == null && _topics.Contains(m.Topic) && m.AvailableAt <= now
                    && (m.LeasedUntil == null || m.LeasedUntil < now))
                .OrderBy(m => m.Id).Select(m => m.Id).Take(options.Value.BatchSize).ToListAsync(ct);
        }
        var tried = 0;
        foreach (var id in due)
            if (await TryAsync(id, ct)) tried++;
        return tried;
    }

    /// <summary>Leases and works one message now (e.g. right after the commit that wrote it); false if it is not due or someone else holds it.</summary>
    public async Task<bool> TryAsync(long id, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        var now = time.GetUtcNow().UtcDateTime;
        var leaseUntil = now.AddSeconds(options.Value.LeaseSeconds);
        var leased = await db.OutboxMessages
            .Where(m => m.Id == id && m.CompletedAt == null && m.GaveUpAt == null && (m.LeasedUntil == null || m.LeasedUntil < now))
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.LeasedUntil, leaseUntil), ct);
        if (leased == 0) return false;

        var message = await db.OutboxMessages.AsNoTracking().FirstAsync(m => m.Id == id, ct);
        var handler = scope.ServiceProvider.GetServices<IOutboxHandler>().FirstOrDefault(h => h.Topic == message.Topic);
        if (handler is null)
        {
            await db.OutboxMessages.Where(m => m.Id == id).ExecuteUpdateAsync(s => s.SetProperty(m => m.LeasedUntil, (DateTime?)null), ct);
            return false;
        }

        string? error = null;
        try
        {
            await handler.HandleAsync(message, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            error = ex.Message.Length > 2000 ? ex.Message[..2000] : ex.Message;
            logger.LogWarning(ex, "Outbox message {MessageId} ({Topic} {Subject}) failed on attempt {Attempt}", id, message.Topic, message.Subject, message.Attempts + 1);
        }

        var done = time.GetUtcNow().UtcDateTime;
        db.OutboxAttempts.Add(new OutboxAttempt { MessageId = id, AttemptedAt = done, Succeeded = error is null, Error = error });
        await db.SaveChangesAsync(CancellationToken.None);
        var attempts = message.Attempts + 1;
        if (error is null)
        {
            await db.OutboxMessages.Where(m => m.Id == id).ExecuteUpdateAsync(s => s
                .SetProperty(m => m.CompletedAt, done).SetProperty(m => m.Attempts, attempts)
                .SetProperty(m => m.LeasedUntil, (DateTime?)null).SetProperty(m => m.LastError, (string?)null), CancellationToken.None);
            return true;
        }

        var giveUp = done - message.CreatedAt >= TimeSpan.FromHours(options.Value.GiveUpAfterHours);
        var backoff = Math.Min(options.Value.MaxBackoffSeconds, options.Value.BaseBackoffSeconds * Math.Pow(2, Math.Min(attempts - 1, 20)));
        var next = done.AddSeconds(backoff);
        await db.OutboxMessages.Where(m => m.Id == id).ExecuteUpdateAsync(s => s
            .SetProperty(m => m.Attempts, attempts).SetProperty(m => m.LastError, error)
            .SetProperty(m => m.AvailableAt, next).SetProperty(m => m.LeasedUntil, (DateTime?)null)
            .SetProperty(m => m.GaveUpAt, giveUp ? done : null), CancellationToken.None);
        if (giveUp)
            logger.LogError("Outbox message {MessageId} ({Topic} {Subject}) gave up after {Attempts} attempts: {Error}", id, message.Topic, message.Subject, attempts, error);
        return true;
    }
}

/// <summary>Names a topic that has a handler (handlers are scoped; the processor needs their topics up front).</summary>
public interface IOutboxHandlerRegistration
{
    string Topic { get; }
}

internal sealed record OutboxHandlerRegistration(string Topic) : IOutboxHandlerRegistration;

/// <summary>Polls the outbox on every node where <c>Canopy:Outbox:WorkerEnabled</c> is true (the default).</summary>
internal sealed class OutboxWorker(OutboxProcessor processor, IOptions<OutboxOptions> options, TimeProvider time, ILogger<OutboxWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.WorkerEnabled) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await processor.RunOnceAsync(stoppingToken) > 0) { }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogError(ex, "Outbox worker pass failed; retrying after the poll interval");
            }
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Max(1, options.Value.PollSeconds)), time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}

public static class OutboxSetup
{
    public static IServiceCollection AddOutboxHandler<THandler>(this IServiceCollection services, string topic) where THandler : class, IOutboxHandler
    {
        services.AddScoped<IOutboxHandler, THandler>();
        services.AddSingleton<IOutboxHandlerRegistration>(new OutboxHandlerRegistration(topic));
        return services;
    }

    public static IServiceCollection AddCanopyOutbox(this IServiceCollection services, IConfiguration config)
    {
        services.Configure<OutboxOptions>(config.GetSection("Canopy:Outbox"));
        services.AddSingleton<OutboxProcessor>();
        services.AddHostedService<OutboxWorker>();
        return services;
    }
}
