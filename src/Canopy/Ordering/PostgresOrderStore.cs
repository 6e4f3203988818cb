using Canopy.Accounts;
using Npgsql;
using NpgsqlTypes;

namespace Canopy.Ordering;

/// <summary>
/// Writes an order on PostgreSQL in one round trip: one <see cref="NpgsqlBatch"/> without an explicit transaction, which
/// PostgreSQL runs as one implicit transaction (the statements share one Sync; the first error aborts the rest and
/// nothing commits). The batch holds, in order:
/// <list type="number">
/// <item>with an <c>Idempotency-Key</c>: <c>canopy_lock_idempotency_key</c>, a try-lock on the key that fails at once
/// (SQLSTATE CN409) when another request holds it;</item>
/// <item>for credits: the spend, an UPDATE whose result the CHECK constraint (credits never below zero) refuses (23514);</item>
/// <item>one statement whose CTEs insert the order, its allocations, its ledger transaction and entries, its outbox
/// messages, the per-account totals and the idempotency record with its stored answer (a taken key is a 23505).</item>
/// </list>
/// Keys are the tables' own identities, chained through the CTEs; no row shared by all accounts is touched.
/// </summary>
internal sealed class PostgresOrderStore(NpgsqlDataSource dataSource) : IOrderStore
{
    private const string LockSql = "SELECT canopy_lock_idempotency_key($1)";
    private const string SpendSql = "UPDATE ledger_accounts SET balance = balance - $1 WHERE id = $2 RETURNING balance";
    private const string BalanceSql = "SELECT balance FROM ledger_accounts WHERE id = $1";

    private const string OrderSql = """
        WITH o AS (
          INSERT INTO orders (public_id, order_number, account_id, subaccount_id, token_id, mode, dialect, kind, state, portfolio_id,
            project_id, grams, trees, price_usd_cents, amount_charged, charge_currency, payment_method, payment_reference, note,
            metadata, description, on_behalf_of_name, on_behalf_of_email, callback_url, distance_meters, send_receipt_email,
            certificate_id, created_at, checkout_session_id)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24,
            $25, $26, $27, $51)
          RETURNING id),
        a AS (
          INSERT INTO order_allocations (order_id, account_id, mode, project_id, grams, trees, price_usd_cents, certified, cancelled, created_at)
          SELECT o.id, $3, $6, v.project_id, v.grams, v.trees, v.cents, v.certified, false, $27
          FROM o, unnest($28::bigint[], $29::bigint[], $30::integer[], $31::bigint[], $32::boolean[]) WITH ORDINALITY
            AS v(project_id, grams, trees, cents, certified, n)
          ORDER BY v.n),
        t AS (
          INSERT INTO ledger_transactions (key, kind, currency, account_id, note, created_at)
          SELECT $33, $34, $52, $53, $35, $27 WHERE $33 IS NOT NULL
          RETURNING id),
        e AS (
          INSERT INTO ledger_entries (transaction_id, ledger_account_id, amount)
          SELECT t.id, v.account, v.amount FROM t, unnest($36::bigint[], $37::bigint[]) AS v(account, amount)),
        m AS (
          INSERT INTO outbox_messages (account_id, topic, subject, payload, created_at, available_at, attempts)
          SELECT $3, v.topic, $1, v.payload, $27, $27, 0 FROM unnest($38::text[], $39::text[]) AS v(topic, payload)),
        s AS (
          INSERT INTO account_totals (account_id, certified_grams, uncertified_grams, trees, orders)
          SELECT $3, $40, $41, $12, 1 WHERE $42
          ON CONFLICT (account_id) DO UPDATE SET
            certified_grams = account_totals.certified_grams + excluded.certified_grams,
            uncertified_grams = account_totals.uncertified_grams + excluded.uncertified_grams,
            trees = account_totals.trees + excluded.trees,
            orders = account_totals.orders + 1),
        i AS (
          INSERT INTO idempotency_records (account_id, mode, key, fingerprint, completed, response_status, response_content_type,
            response_body, created_at, expires_at)
          SELECT $3, $6, $43, $44, true, $45, $46,
            convert_to(replace($47, $48, coalesce((SELECT balance FROM ledger_accounts WHERE id = $49)::text, $48)), 'UTF8'), $27, $50
          WHERE $43 IS NOT NULL)
        SELECT id FROM o
        """;

    public async Task<OrderWriteResult> WriteAsync(OrderWrite w, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(conn);
        var claim = w.Claim;
        if (claim is not null) batch.BatchCommands.Add(Command(LockSql, P(claim.LockId)));
        var spends = w.CreditsLedgerAccountId is { } credits && w.SpendCents > 0;
        if (spends) batch.BatchCommands.Add(Command(SpendSql, P(w.SpendCents), P(w.CreditsLedgerAccountId!.Value)));
        batch.BatchCommands.Add(OrderCommand(w));

        try
        {
            // The order's id comes back as the last result; the spend's balance before it.
            long? balance = null;
            await using (var reader = await batch.ExecuteReaderAsync(CancellationToken.None))
            {
                do
                {
                    while (await reader.ReadAsync(CancellationToken.None))
                    {
                        if (reader.FieldCount == 1 && reader.GetName(0) == "balance") balance = reader.GetInt64(0);
                        else if (reader.GetName(0) == "id") w.Order.Id = reader.GetInt64(0);
                    }
                } while (await reader.NextResultAsync(CancellationToken.None));
            }
            return new OrderWriteResult.Committed(spends ? balance : null);
        }
        catch (PostgresException e) when (e.SqlState == "CN409")
        {
            return new OrderWriteResult.KeyInUse();
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "ix_idempotency_records_account_id_mode_key")
        {
            return new OrderWriteResult.KeyTaken();
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.CheckViolation && e.ConstraintName == "ck_ledger_accounts_credits_nonnegative")
        {
            await using var read = new NpgsqlCommand(BalanceSql, conn) { Parameters = { P(w.CreditsLedgerAccountId!.Value) } };
            return new OrderWriteResult.InsufficientCredits((long)(await read.ExecuteScalarAsync(ct))!);
        }
    }

    private static NpgsqlBatchCommand OrderCommand(OrderWrite w)
    {
        var o = w.Order;
        var allocations = o.Allocations;
        var posting = w.Posting;
        var claim = w.Claim;
        var totals = w.Totals;
        return Command(OrderSql,
            P(o.PublicId), P(o.OrderNumber), P(o.AccountId), P(o.SubaccountId, NpgsqlDbType.Bigint), P(o.TokenId),
            P((int)o.Mode), P((int)o.Dialect), P((int)o.Kind), P(o.PortfolioId, NpgsqlDbType.Bigint), P(o.ProjectId, NpgsqlDbType.Bigint),
            P(o.Grams), P(o.Trees), P(o.PriceUsdCents), P(o.AmountCharged), P(o.ChargeCurrency), P((int)o.PaymentMethod),
            P(o.PaymentReference, NpgsqlDbType.Varchar), P(o.Note, NpgsqlDbType.Varchar), P(o.Metadata, NpgsqlDbType.Varchar),
            P(o.Description, NpgsqlDbType.Varchar), P(o.OnBehalfOfName, NpgsqlDbType.Varchar), P(o.OnBehalfOfEmail, NpgsqlDbType.Varchar),
            P(o.CallbackUrl, NpgsqlDbType.Varchar), P(o.DistanceMeters, NpgsqlDbType.Bigint), P(o.SendReceiptEmail), P(o.CertificateId),
            P(o.CreatedAt),
            P(allocations.Select(a => a.ProjectId).ToArray()), P(allocations.Select(a => a.Grams).ToArray()),
            P(allocations.Select(a => a.Trees).ToArray()), P(allocations.Select(a => a.PriceUsdCents).ToArray()),
            P(allocations.Select(a => a.Certified).ToArray()),
            P(posting?.Key, NpgsqlDbType.Varchar), P(posting?.Kind ?? "", NpgsqlDbType.Varchar), P(posting?.Note, NpgsqlDbType.Varchar),
            P((posting?.Legs ?? []).Select(l => l.LedgerAccountId).ToArray()), P((posting?.Legs ?? []).Select(l => l.Amount).ToArray()),
            P(w.Outbox.Select(m => m.Topic).ToArray()), P(w.Outbox.Select(m => m.Payload).ToArray()),
            P(totals.CertifiedGrams), P(totals.UncertifiedGrams), P(w.CountsInTotals),
            P(claim?.Key, NpgsqlDbType.Varchar), P(claim?.Fingerprint, NpgsqlDbType.Varchar), P(w.Answer?.Status ?? 0),
            P(w.Answer?.ContentType, NpgsqlDbType.Varchar),
            P(w.Answer is { } answer ? System.Text.Encoding.UTF8.GetString(answer.Body) : "", NpgsqlDbType.Text),
            P(w.BalanceMarker ?? "", NpgsqlDbType.Text), P(w.CreditsLedgerAccountId ?? 0), P(claim?.ExpiresAt ?? o.CreatedAt),
            P(o.CheckoutSessionId, NpgsqlDbType.Varchar),
            // The ledger transaction is the posting's, rendered as it is.
            P(posting?.Currency ?? "", NpgsqlDbType.Varchar), P(posting?.AccountId, NpgsqlDbType.Bigint));
    }

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlParameter<T> P<T>(T value) => new() { TypedValue = value };

    private static NpgsqlParameter P(object? value, NpgsqlDbType type) => new() { Value = value ?? DBNull.Value, NpgsqlDbType = type };
}
