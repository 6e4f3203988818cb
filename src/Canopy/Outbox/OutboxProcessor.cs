using Canopy.Kernel;
using Canopy.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Canopy.Outbox;

/// <summary>Does the work of one outbox topic. Must be safe to run more than once for a message (delivery is at least once).</summary>
public interface IOutboxHandler
{
    string Topic { get; }
    Task HandleAsync(OutboxMessage message, CancellationToken ct);
}

/// <summary>
/// A handler that works many messages of its topic at once (e.g. fulfilment: one transaction for a group of orders).
/// Returns, per message id, the error of that message (null: done); throwing fails the whole group.
/// </summary>
public interface IOutboxGroupHandler : IOutboxHandler
{
    Task<IReadOnlyDictionary<long, string?>> HandleGroupAsync(IReadOnlyList<OutboxMessage> messages, CancellationToken ct);
}

/// <summary>
/// Thrown by a handler that cannot start the work now for a reason that is not a failure (e.g. its callback target already
/// has as many deliveries in flight as it may): the message goes back to the queue for
/// <see cref="OutboxOptions.DeferMilliseconds"/>, with no attempt logged.
/// </summary>
public sealed class OutboxDeferredException(string reason) : Exception(reason);

/// <summary>What a handler may add to the log of the attempt it is making (scoped: one per attempt).</summary>
public sealed class OutboxAttemptDetails
{
    public int? StatusCode { get; set; }
    public long? LatencyMs { get; set; }
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
    public int BatchSize { get; set; } = 50;
    /// <summary>How many messages one node works at once in the lane of fulfilment, refunds and e-mail.</summary>
    public int MaxConcurrency { get; set; } = 8;
    /// <summary>
    /// How many callbacks one node delivers at once, over all receivers (each receiver is further bounded by
    /// <c>Callbacks:MaxPerTarget</c>). The callback lane starts a delivery whenever one of these slots is free, so a slow
    /// receiver holds only its own slots.
    /// </summary>
    public int CallbackConcurrency { get; set; } = 32;
    /// <summary>How long a deferred message (<see cref="OutboxDeferredException"/>) stays back before it is due again.</summary>
    public int DeferMilliseconds { get; set; } = 1000;
}

/// <summary>
/// Takes due outbox messages by lease and hands them to their topic's handler (DESIGN §5): each try is logged in
/// outbox_attempts; a failure is retried with exponential backoff for 24 hours, then given up for an operator.
/// A batch is claimed in one statement — on PostgreSQL <c>FOR UPDATE SKIP LOCKED</c>, so nodes polling at once take
/// different rows without waiting on each other; on SQLite an <c>UPDATE … RETURNING</c>, atomic under its single writer —
/// and stamped with a lease token: a node whose lease ran out cannot complete or reschedule a message another node now holds.
/// </summary>
public sealed class OutboxProcessor(IServiceScopeFactory scopes, IEnumerable<IOutboxHandlerRegistration> registrations,
    TimeProvider time, IOptions<OutboxOptions> options, ILogger<OutboxProcessor> logger)
{
    private readonly string[] _topics = [.. registrations.Select(r => r.Topic).Distinct(StringComparer.Ordinal)];
    private readonly string[] _grouped = [.. registrations.Where(r => r.Grouped).Select(r => r.Topic).Distinct(StringComparer.Ordinal)];

    /// <summary>The topics this node has handlers for.</summary>
    public IReadOnlyList<string> Topics => _topics;

    /// <summary>Works one batch of due messages of every topic; returns how many were tried.</summary>
    public Task<int> RunOnceAsync(CancellationToken ct) => RunOnceAsync(_topics, ct);

    /// <summary>Works one batch of due messages of these topics, up to <see cref="OutboxOptions.MaxConcurrency"/> at once.</summary>
    public async Task<int> RunOnceAsync(IReadOnlyCollection<string> topics, CancellationToken ct)
    {
        var handled = topics.Where(t => _topics.Contains(t, StringComparer.Ordinal)).ToArray();
        if (handled.Length == 0) return 0;
        var token = Guid.NewGuid().ToString("N");
        List<long> claimed;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
            claimed = await ClaimAsync(db, handled, token, ct);
        }
        if (claimed.Count == 0) return 0;
        var tried = 0;
        // Topics whose handler works groups get their claimed messages in one go (oldest first); the rest one by one.
        List<long> single = claimed;
        if (_grouped.Length > 0)
        {
            List<OutboxMessage> groupable;
            await using (var scope = scopes.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
                groupable = await db.OutboxMessages.AsNoTracking()
                    .Where(m => claimed.Contains(m.Id) && m.LeaseToken == token && _grouped.Contains(m.Topic)).OrderBy(m => m.Id).ToListAsync(ct);
            }
            var inGroups = groupable.Select(m => m.Id).ToHashSet();
            single = [.. claimed.Where(id => !inGroups.Contains(id))];
            foreach (var group in groupable.GroupBy(m => m.Topic, StringComparer.Ordinal))
                tried += await WorkGroupAsync([.. group], token, ct);
        }
        await Parallel.ForEachAsync(single.OrderBy(id => id),
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Value.MaxConcurrency), CancellationToken = ct },
            async (id, c) =>
            {
                if (await WorkAsync(id, token, c)) Interlocked.Increment(ref tried);
            });
        return tried;
    }

    /// <summary>
    /// The callback lane's pass: waits for a free slot of <paramref name="slots"/>, claims at most as many due messages as
    /// there are free slots, and starts each one without waiting for the others (a delivery holds its slot until it ends).
    /// Returns how many it started; the lane polls again at once while that is more than zero.
    /// </summary>
    public async Task<int> DispatchAsync(IReadOnlyCollection<string> topics, SemaphoreSlim slots, CancellationToken ct)
    {
        var handled = topics.Where(t => _topics.Contains(t, StringComparer.Ordinal)).ToArray();
        if (handled.Length == 0) return 0;
        await slots.WaitAsync(ct);
        var free = slots.CurrentCount + 1;
        slots.Release();
        var token = Guid.NewGuid().ToString("N");
        List<long> claimed;
        await using (var scope = scopes.CreateAsyncScope())
            claimed = await ClaimAsync(scope.ServiceProvider.GetRequiredService<CanopyDbContext>(), handled, token, ct, Math.Min(free, Math.Max(1, options.Value.BatchSize)));
        foreach (var id in claimed.Order())
        {
            await slots.WaitAsync(ct);
            _ = Task.Run(async () =>
            {
                try
                {
                    await WorkAsync(id, token, ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    logger.LogError(ex, "Outbox message {MessageId} could not be worked", id);
                }
                finally
                {
                    slots.Release();
                }
            }, CancellationToken.None);
        }
        return claimed.Count;
    }

    /// <summary>
    /// Works a group of messages of one topic that this node holds with <paramref name="token"/>: one call of the group
    /// handler, one attempt row per message, the successes completed in one statement, each failure backed off.
    /// </summary>
    private async Task<int> WorkGroupAsync(List<OutboxMessage> messages, string token, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        var handler = scope.ServiceProvider.GetServices<IOutboxHandler>().OfType<IOutboxGroupHandler>().First(h => h.Topic == messages[0].Topic);
        IReadOnlyDictionary<long, string?> errors;
        try
        {
            errors = await handler.HandleGroupAsync(messages, ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            var error = ex.Message.Length > 2000 ? ex.Message[..2000] : ex.Message;
            logger.LogWarning(ex, "Outbox group of {Count} {Topic} messages failed", messages.Count, messages[0].Topic);
            errors = messages.ToDictionary(m => m.Id, _ => (string?)error);
        }

        var done = time.GetUtcNow().UtcDateTime;
        db.ChangeTracker.Clear();
        foreach (var m in messages)
        {
            var error = errors.GetValueOrDefault(m.Id);
            db.OutboxAttempts.Add(new OutboxAttempt { MessageId = m.Id, AttemptedAt = done, Succeeded = error is null, Error = error });
        }
        await db.SaveChangesAsync(CancellationToken.None);
        var succeeded = messages.Where(m => errors.GetValueOrDefault(m.Id) is null).Select(m => m.Id).ToArray();
        if (succeeded.Length > 0)
            await db.OutboxMessages.Where(m => succeeded.Contains(m.Id) && m.LeaseToken == token).ExecuteUpdateAsync(s => s
                .SetProperty(m => m.CompletedAt, done).SetProperty(m => m.Attempts, m => m.Attempts + 1).SetProperty(m => m.LeaseToken, (string?)null)
                .SetProperty(m => m.LeasedUntil, (DateTime?)null).SetProperty(m => m.LastError, (string?)null), CancellationToken.None);
        foreach (var m in messages.Where(m => errors.GetValueOrDefault(m.Id) is not null))
            await BackOffAsync(db.OutboxMessages.Where(x => x.Id == m.Id && x.LeaseToken == token), m, errors[m.Id]!, done);
        return messages.Count;
    }

    private async Task<List<long>> ClaimAsync(CanopyDbContext db, string[] topics, string token, CancellationToken ct, int? max = null)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var until = now.AddSeconds(options.Value.LeaseSeconds);
        var limit = max ?? Math.Max(1, options.Value.BatchSize);
        if (db.IsPostgres)
            return await db.Database.SqlQuery<long>($"""
                UPDATE outbox_messages SET leased_until = {until}, lease_token = {token}
                WHERE id IN (
                  SELECT id FROM outbox_messages
                  WHERE completed_at IS NULL AND gave_up_at IS NULL AND topic = ANY({topics}) AND available_at <= {now}
                    AND (leased_until IS NULL OR leased_until < {now})
                  ORDER BY id LIMIT {limit}
                  FOR UPDATE SKIP LOCKED)
                RETURNING id AS "Value"
                """).ToListAsync(ct);

        // SQLite: one statement under the database's single write lock is the lease; no other writer runs between its read and write.
        var claimed = new List<long>();
        var conn = db.Database.GetDbConnection();
        if (conn.State != System.Data.ConnectionState.Open) await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var cmd = conn.CreateCommand();
            var names = topics.Select((_, i) => "$t" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            cmd.CommandText = $"""
                UPDATE outbox_messages SET leased_until = $until, lease_token = $token
                WHERE id IN (
                  SELECT id FROM outbox_messages
                  WHERE completed_at IS NULL AND gave_up_at IS NULL AND topic IN ({string.Join(",", names)}) AND available_at <= $now
                    AND (leased_until IS NULL OR leased_until < $now)
                  ORDER BY id LIMIT $limit)
                RETURNING id
                """;
            AddParameter(cmd, "$until", until);
            AddParameter(cmd, "$token", token);
            AddParameter(cmd, "$now", now);
            AddParameter(cmd, "$limit", limit);
            for (var i = 0; i < topics.Length; i++) AddParameter(cmd, names[i], topics[i]);
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) claimed.Add(reader.GetInt64(0));
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        return claimed;
    }

    private static void AddParameter(System.Data.Common.DbCommand cmd, string name, object value)
    {
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        // SQLite stores EF's DateTime columns as text "yyyy-MM-dd HH:mm:ss.FFFFFFF".
        p.Value = value is DateTime d ? d.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", System.Globalization.CultureInfo.InvariantCulture) : value;
        cmd.Parameters.Add(p);
    }

    /// <summary>Leases and works one message now (e.g. right after the commit that wrote it); false if it is not due or someone else holds it.</summary>
    public async Task<bool> TryAsync(long id, CancellationToken ct)
    {
        var token = Guid.NewGuid().ToString("N");
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
            var now = time.GetUtcNow().UtcDateTime;
            var leaseUntil = now.AddSeconds(options.Value.LeaseSeconds);
            var leased = await db.OutboxMessages
                .Where(m => m.Id == id && m.CompletedAt == null && m.GaveUpAt == null && (m.LeasedUntil == null || m.LeasedUntil < now))
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.LeasedUntil, leaseUntil).SetProperty(m => m.LeaseToken, token), ct);
            if (leased == 0) return false;
        }
        return await WorkAsync(id, token, ct);
    }

    /// <summary>Works a message this node holds with <paramref name="token"/>: handler, attempt log, completion or backoff.</summary>
    private async Task<bool> WorkAsync(long id, string token, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        var message = await db.OutboxMessages.AsNoTracking().FirstAsync(m => m.Id == id, ct);
        var handler = scope.ServiceProvider.GetServices<IOutboxHandler>().FirstOrDefault(h => h.Topic == message.Topic);
        var mine = db.OutboxMessages.Where(m => m.Id == id && m.LeaseToken == token);
        if (handler is null)
        {
            await mine.ExecuteUpdateAsync(s => s.SetProperty(m => m.LeasedUntil, (DateTime?)null).SetProperty(m => m.LeaseToken, (string?)null), ct);
            return false;
        }

        string? error = null;
        try
        {
            await handler.HandleAsync(message, ct);
        }
        catch (OutboxDeferredException)
        {
            var due = time.GetUtcNow().UtcDateTime.AddMilliseconds(Math.Max(0, options.Value.DeferMilliseconds));
            await mine.ExecuteUpdateAsync(s => s.SetProperty(m => m.AvailableAt, due)
                .SetProperty(m => m.LeasedUntil, (DateTime?)null).SetProperty(m => m.LeaseToken, (string?)null), CancellationToken.None);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            error = ex.Message.Length > 2000 ? ex.Message[..2000] : ex.Message;
            logger.LogWarning(ex, "Outbox message {MessageId} ({Topic} {Subject}) failed on attempt {Attempt}", id, message.Topic, message.Subject, message.Attempts + 1);
        }

        var details = scope.ServiceProvider.GetRequiredService<OutboxAttemptDetails>();
        var done = time.GetUtcNow().UtcDateTime;
        db.ChangeTracker.Clear();
        db.OutboxAttempts.Add(new OutboxAttempt
        {
            MessageId = id, AttemptedAt = done, Succeeded = error is null, Error = error, StatusCode = details.StatusCode, LatencyMs = details.LatencyMs,
        });
        await db.SaveChangesAsync(CancellationToken.None);
        var attempts = message.Attempts + 1;
        if (error is null)
        {
            await mine.ExecuteUpdateAsync(s => s
                .SetProperty(m => m.CompletedAt, done).SetProperty(m => m.Attempts, attempts).SetProperty(m => m.LeaseToken, (string?)null)
                .SetProperty(m => m.LeasedUntil, (DateTime?)null).SetProperty(m => m.LastError, (string?)null), CancellationToken.None);
            return true;
        }

        await BackOffAsync(mine, message, error, done);
        return true;
    }

    /// <summary>A failed attempt: retry after an exponential backoff, or give up when the retry window is over.</summary>
    private async Task BackOffAsync(IQueryable<OutboxMessage> mine, OutboxMessage message, string error, DateTime done)
    {
        var attempts = message.Attempts + 1;
        var windowStart = message.RetriedAt is { } retried && retried > message.CreatedAt ? retried : message.CreatedAt;
        var giveUp = done - windowStart >= TimeSpan.FromHours(options.Value.GiveUpAfterHours);
        var backoff = Math.Min(options.Value.MaxBackoffSeconds, options.Value.BaseBackoffSeconds * Math.Pow(2, Math.Min(attempts - 1, 20)));
        var next = done.AddSeconds(backoff);
        await mine.ExecuteUpdateAsync(s => s
            .SetProperty(m => m.Attempts, attempts).SetProperty(m => m.LastError, error)
            .SetProperty(m => m.AvailableAt, next).SetProperty(m => m.LeasedUntil, (DateTime?)null).SetProperty(m => m.LeaseToken, (string?)null)
            .SetProperty(m => m.GaveUpAt, giveUp ? done : null), CancellationToken.None);
        if (giveUp)
            logger.LogError("Outbox message {MessageId} ({Topic} {Subject}) gave up after {Attempts} attempts: {Error}", message.Id, message.Topic, message.Subject, attempts, error);
    }

    /// <summary>The operator's retry: a message that gave up (or waits for its backoff) becomes due now, with a fresh 24 h window.</summary>
    public async Task<bool> RetryNowAsync(long id, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        var now = time.GetUtcNow().UtcDateTime;
        var changed = await db.OutboxMessages.Where(m => m.Id == id && m.CompletedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.GaveUpAt, (DateTime?)null).SetProperty(m => m.AvailableAt, now)
                .SetProperty(m => m.RetriedAt, now), ct);
        return changed > 0;
    }
}

/// <summary>Names a topic that has a handler (handlers are scoped; the processor needs their topics up front).</summary>
public interface IOutboxHandlerRegistration
{
    string Topic { get; }
    /// <summary>Whether the handler works groups of messages (<see cref="IOutboxGroupHandler"/>).</summary>
    bool Grouped { get; }
}

internal sealed record OutboxHandlerRegistration(string Topic, bool Grouped) : IOutboxHandlerRegistration;

/// <summary>
/// Polls the outbox on every node where <c>Canopy:Outbox:WorkerEnabled</c> is true (the default). Callbacks run in their
/// own lane, so slow receivers never hold up fulfilment, refunds or e-mail.
/// </summary>
internal sealed class OutboxWorker(OutboxProcessor processor, IOptions<OutboxOptions> options, TimeProvider time, ILogger<OutboxWorker> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.WorkerEnabled) return Task.CompletedTask;
        string[] callbacks = [OutboxTopics.OrderCallback];
        string[] work = [.. processor.Topics.Except(callbacks, StringComparer.Ordinal)];
        return Task.WhenAll(LaneAsync(work, stoppingToken), DispatchLaneAsync(callbacks, stoppingToken));
    }

    private Task LaneAsync(string[] topics, CancellationToken stoppingToken) =>
        PeriodicWork.RunAsync("Outbox worker pass", async ct => await processor.RunOnceAsync(topics, ct) > 0,
            () => TimeSpan.FromSeconds(Math.Max(1, options.Value.PollSeconds)), time, logger, stoppingToken);

    /// <summary>Callbacks: a delivery starts whenever a slot is free, never waiting for a slow receiver's other deliveries.</summary>
    private Task DispatchLaneAsync(string[] topics, CancellationToken stoppingToken)
    {
        var slots = new SemaphoreSlim(Math.Max(1, options.Value.CallbackConcurrency));
        return PeriodicWork.RunAsync("Outbox callback dispatch", async ct => await processor.DispatchAsync(topics, slots, ct) > 0,
            () => TimeSpan.FromSeconds(Math.Max(1, options.Value.PollSeconds)), time, logger, stoppingToken);
    }
}

public static class OutboxSetup
{
    public static IServiceCollection AddOutboxHandler<THandler>(this IServiceCollection services, string topic) where THandler : class, IOutboxHandler
    {
        services.AddScoped<IOutboxHandler, THandler>();
        services.AddSingleton<IOutboxHandlerRegistration>(new OutboxHandlerRegistration(topic, typeof(IOutboxGroupHandler).IsAssignableFrom(typeof(THandler))));
        return services;
    }

    public static IServiceCollection AddCanopyOutbox(this IServiceCollection services, IConfiguration config)
    {
        services.Configure<OutboxOptions>(config.GetSection("Canopy:Outbox"));
        services.AddSingleton<OutboxProcessor>();
        services.AddScoped<OutboxAttemptDetails>();
        services.AddHostedService<OutboxWorker>();
        return services;
    }
}
