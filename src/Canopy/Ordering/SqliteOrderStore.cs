using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Canopy.Ordering;

/// <summary>
/// Writes orders on SQLite, which has one writer by nature: concurrent orders are funnelled through a channel to a single
/// writer task that commits them in small groups (group commit: one fsync for up to <see cref="MaxGroup"/> orders). Each
/// order runs inside its own SAVEPOINT, so a refused spend or a taken key undoes that order alone; the group then commits
/// together, and no order is acknowledged before its group's commit returns. A key that a queued or running order holds is
/// answered 409 at once from an in-memory set (SQLite serves one process).
/// </summary>
internal sealed class SqliteOrderStore : IOrderStore, IAsyncDisposable
{
    public const int MaxGroup = 64;
    private readonly Channel<Job> _jobs = Channel.CreateBounded<Job>(new BoundedChannelOptions(4096) { SingleReader = true });
    private readonly ConcurrentDictionary<(long, int, string), byte> _inFlight = new();
    private readonly string _connectionString;
    private readonly string _synchronous;
    private readonly ILogger<SqliteOrderStore> _logger;
    private readonly Task _writer;

    private sealed record Job(OrderWrite Write, TaskCompletionSource<OrderWriteResult> Done);

    public SqliteOrderStore(string connectionString, string synchronous, ILogger<SqliteOrderStore> logger)
    {
        _connectionString = connectionString;
        _synchronous = synchronous;
        _logger = logger;
        _writer = Task.Run(RunAsync);
    }

    public async Task<OrderWriteResult> WriteAsync(OrderWrite write, CancellationToken ct)
    {
        var claimKey = write.Claim is { } c ? (c.AccountId, (int)c.Mode, c.Key) : default;
        if (write.Claim is not null && !_inFlight.TryAdd(claimKey, 0)) return new OrderWriteResult.KeyInUse();
        try
        {
            var job = new Job(write, new TaskCompletionSource<OrderWriteResult>(TaskCreationOptions.RunContinuationsAsynchronously));
            // Once queued, the order is written whether or not the client waits: a departing client must not decide it.
            await _jobs.Writer.WriteAsync(job, ct);
            return await job.Done.Task;
        }
        finally
        {
            if (write.Claim is not null) _inFlight.TryRemove(claimKey, out _);
        }
    }

    private async Task RunAsync()
    {
        var group = new List<Job>(MaxGroup);
        var results = new List<OrderWriteResult>(MaxGroup);
        SqliteConnection? conn = null;
        Statements? statements = null;
        while (await _jobs.Reader.WaitToReadAsync())
        {
            group.Clear();
            results.Clear();
            while (group.Count < MaxGroup && _jobs.Reader.TryRead(out var job)) group.Add(job);
            if (group.Count == 0) continue;
            try
            {
                if (conn is null)
                {
                    conn = new SqliteConnection(_connectionString);
                    await conn.OpenAsync();
                    await Exec(conn, $"PRAGMA synchronous={_synchronous};");
                    statements = new Statements(conn);
                }
                using var tx = conn.BeginTransaction(deferred: false);
                statements!.Enlist(tx);
                foreach (var job in group)
                {
                    await Exec(conn, "SAVEPOINT o;", tx);
                    try
                    {
                        var result = statements.Write(job.Write);
                        await Exec(conn, result is OrderWriteResult.Committed ? "RELEASE o;" : "ROLLBACK TO o; RELEASE o;", tx);
                        results.Add(result);
                    }
                    catch (Exception e) when (e is not OutOfMemoryException)
                    {
                        await Exec(conn, "ROLLBACK TO o; RELEASE o;", tx);
                        results.Add(new Failure(e));
                    }
                }
                tx.Commit();
                for (var i = 0; i < group.Count; i++)
                {
                    if (results[i] is Failure f) group[i].Done.TrySetException(f.Error);
                    else group[i].Done.TrySetResult(results[i]);
                }
            }
            catch (Exception e)
            {
                // The group did not commit: none of its orders exists. Start over on a fresh connection.
                _logger.LogError(e, "SQLite order group of {Count} failed to commit", group.Count);
                foreach (var job in group) job.Done.TrySetException(e);
                statements?.Dispose();
                statements = null;
                if (conn is not null) await conn.DisposeAsync();
                conn = null;
            }
        }
        statements?.Dispose();
        if (conn is not null) await conn.DisposeAsync();
    }

    private static async Task Exec(SqliteConnection conn, string sql, SqliteTransaction? tx = null)
    {
        await using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.Transaction = tx;
        await cmd.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _jobs.Writer.TryComplete();
        await _writer;
    }

    /// <summary>An order that failed for a reason the core does not expect (a bug, a full disk): its request gets a 500.</summary>
    private sealed record Failure(Exception Error) : OrderWriteResult;

    /// <summary>The writer's prepared statements, reused for every order.</summary>
    private sealed class Statements : IDisposable
    {
        private readonly SqliteCommand _deleteExpiredClaim, _findClaim, _spend, _balance, _order, _allocation, _transaction, _entry, _outbox, _totals, _claim;
        private readonly SqliteCommand[] _all;

        public Statements(SqliteConnection conn)
        {
            _deleteExpiredClaim = Make(conn, "DELETE FROM idempotency_records WHERE account_id = $a AND mode = $m AND key = $k AND expires_at <= $now");
            _findClaim = Make(conn, "SELECT 1 FROM idempotency_records WHERE account_id = $a AND mode = $m AND key = $k");
            _spend = Make(conn, "UPDATE ledger_accounts SET balance = balance - $x WHERE id = $id AND balance >= $x");
            _balance = Make(conn, "SELECT balance FROM ledger_accounts WHERE id = $id");
            _order = Make(conn, """
                INSERT INTO orders (public_id, order_number, account_id, subaccount_id, token_id, mode, dialect, kind, state, portfolio_id,
                  project_id, grams, trees, price_usd_cents, amount_charged, charge_currency, payment_method, payment_reference, note,
                  metadata, description, on_behalf_of_name, on_behalf_of_email, callback_url, distance_meters, send_receipt_email,
                  certificate_id, created_at, checkout_session_id)
                VALUES ($public_id, $order_number, $account_id, $subaccount_id, $token_id, $mode, $dialect, $kind, 0, $portfolio_id,
                  $project_id, $grams, $trees, $price, $charged, $currency, $payment_method, $payment_reference, $note,
                  $metadata, $description, $obo_name, $obo_email, $callback_url, $distance, $receipt, $certificate_id, $created_at, $checkout_session_id)
                RETURNING id
                """);
            _allocation = Make(conn, """
                INSERT INTO order_allocations (order_id, account_id, mode, project_id, grams, trees, price_usd_cents, certified, cancelled, created_at)
                VALUES ($order_id, $account_id, $mode, $project_id, $grams, $trees, $cents, $certified, 0, $created_at)
                """);
            _transaction = Make(conn, "INSERT INTO ledger_transactions (key, kind, currency, account_id, note, created_at) VALUES ($key, $kind, $currency, $account_id, $note, $created_at) RETURNING id");
            _entry = Make(conn, "INSERT INTO ledger_entries (transaction_id, ledger_account_id, amount) VALUES ($tx, $account, $amount)");
            _outbox = Make(conn, "INSERT INTO outbox_messages (account_id, topic, subject, payload, created_at, available_at, attempts) VALUES ($account_id, $topic, $subject, $payload, $now, $now, 0)");
            _totals = Make(conn, """
                INSERT INTO account_totals (account_id, certified_grams, uncertified_grams, trees, orders)
                VALUES ($account_id, $certified, $uncertified, $trees, 1)
                ON CONFLICT (account_id) DO UPDATE SET
                  certified_grams = account_totals.certified_grams + excluded.certified_grams,
                  uncertified_grams = account_totals.uncertified_grams + excluded.uncertified_grams,
                  trees = account_totals.trees + excluded.trees,
                  orders = account_totals.orders + 1
                """);
            _claim = Make(conn, """
                INSERT INTO idempotency_records (account_id, mode, key, fingerprint, completed, response_status, response_content_type, response_body, created_at, expires_at)
                VALUES ($a, $m, $k, $fingerprint, 1, $status, $content_type, $body, $created_at, $expires_at)
                """);
            _all = [_deleteExpiredClaim, _findClaim, _spend, _balance, _order, _allocation, _transaction, _entry, _outbox, _totals, _claim];
        }

        public void Enlist(SqliteTransaction tx)
        {
            foreach (var c in _all) c.Transaction = tx;
        }

        public OrderWriteResult Write(OrderWrite w)
        {
            var o = w.Order;
            if (w.Claim is { } claim)
            {
                Run(_deleteExpiredClaim, ("$a", claim.AccountId), ("$m", (int)claim.Mode), ("$k", claim.Key), ("$now", o.CreatedAt));
                if (Scalar(_findClaim, ("$a", claim.AccountId), ("$m", (int)claim.Mode), ("$k", claim.Key)) is not null)
                    return new OrderWriteResult.KeyTaken();
            }
            long? balance = null;
            if (w.CreditsLedgerAccountId is { } credits && w.SpendCents > 0)
            {
                var spent = Run(_spend, ("$x", w.SpendCents), ("$id", credits));
                balance = (long)Scalar(_balance, ("$id", credits))!;
                if (spent == 0) return new OrderWriteResult.InsufficientCredits(balance.Value);
            }

            o.Id = (long)Scalar(_order,
                ("$public_id", o.PublicId), ("$order_number", o.OrderNumber), ("$account_id", o.AccountId), ("$subaccount_id", o.SubaccountId),
                ("$token_id", o.TokenId), ("$mode", (int)o.Mode), ("$dialect", (int)o.Dialect), ("$kind", (int)o.Kind), ("$portfolio_id", o.PortfolioId),
                ("$project_id", o.ProjectId), ("$grams", o.Grams), ("$trees", o.Trees), ("$price", o.PriceUsdCents), ("$charged", o.AmountCharged),
                ("$currency", o.ChargeCurrency), ("$payment_method", (int)o.PaymentMethod), ("$payment_reference", o.PaymentReference), ("$note", o.Note),
                ("$metadata", o.Metadata), ("$description", o.Description), ("$obo_name", o.OnBehalfOfName), ("$obo_email", o.OnBehalfOfEmail),
                ("$callback_url", o.CallbackUrl), ("$distance", o.DistanceMeters), ("$receipt", o.SendReceiptEmail), ("$certificate_id", o.CertificateId),
                ("$created_at", o.CreatedAt), ("$checkout_session_id", o.CheckoutSessionId))!;
            foreach (var a in o.Allocations)
            {
                a.OrderId = o.Id;
                Run(_allocation, ("$order_id", o.Id), ("$account_id", o.AccountId), ("$mode", (int)o.Mode), ("$project_id", a.ProjectId), ("$grams", a.Grams),
                    ("$trees", a.Trees), ("$cents", a.PriceUsdCents), ("$certified", a.Certified), ("$created_at", o.CreatedAt));
            }
            if (w.Posting is { } posting)
            {
                var txId = (long)Scalar(_transaction, ("$key", posting.Key), ("$kind", posting.Kind), ("$currency", posting.Currency), ("$account_id", posting.AccountId), ("$note", posting.Note), ("$created_at", o.CreatedAt))!;
                foreach (var leg in posting.Legs) Run(_entry, ("$tx", txId), ("$account", leg.LedgerAccountId), ("$amount", leg.Amount));
            }
            foreach (var m in w.Outbox)
                Run(_outbox, ("$account_id", o.AccountId), ("$topic", m.Topic), ("$subject", m.Subject), ("$payload", m.Payload), ("$now", o.CreatedAt));
            if (w.CountsInTotals)
            {
                var totals = w.Totals;
                Run(_totals, ("$account_id", o.AccountId), ("$certified", totals.CertifiedGrams), ("$uncertified", totals.UncertifiedGrams), ("$trees", totals.Trees));
            }
            if (w.Claim is { } c && w.Answer is { } answer)
            {
                var body = answer.WithMarker(w.BalanceMarker, balance).Body;
                Run(_claim, ("$a", c.AccountId), ("$m", (int)c.Mode), ("$k", c.Key), ("$fingerprint", c.Fingerprint), ("$status", answer.Status),
                    ("$content_type", answer.ContentType), ("$body", body), ("$created_at", c.CreatedAt), ("$expires_at", c.ExpiresAt));
            }
            return new OrderWriteResult.Committed(balance);
        }

        private static SqliteCommand Make(SqliteConnection conn, string sql)
        {
            var cmd = conn.CreateCommand();
            cmd.CommandText = sql;
            return cmd;
        }

        private static void Bind(SqliteCommand cmd, (string Name, object? Value)[] values)
        {
            cmd.Parameters.Clear();
            foreach (var (name, value) in values) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        private static int Run(SqliteCommand cmd, params (string, object?)[] values)
        {
            Bind(cmd, values);
            return cmd.ExecuteNonQuery();
        }

        private static object? Scalar(SqliteCommand cmd, params (string, object?)[] values)
        {
            Bind(cmd, values);
            return cmd.ExecuteScalar();
        }

        public void Dispose()
        {
            foreach (var c in _all) c.Dispose();
        }
    }
}
