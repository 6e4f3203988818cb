using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;

/// <summary>
/// The SQLite baseline of <c>bench/run</c>: one writer on one connection (WAL, <c>synchronous=FULL</c> like Canopy's
/// default) writing the rows of a CNaught invoice order with an <c>Idempotency-Key</c>, as plain prepared
/// <c>Microsoft.Data.Sqlite</c> statements with no web stack in front: the key check, the order, its allocations, its
/// ledger transaction and entries, its outbox rows, the per-account totals and the idempotency record with the stored
/// answer. The rows copy the newest such order Canopy wrote into the same database (its allocations, legs, outbox rows
/// and answer), spread over the accounts that placed them. Each order commits on its own (<c>--group 1</c>) or
/// several share a commit, each in its own SAVEPOINT as Canopy's writer does.
/// </summary>
internal static class RawSqliteWriter
{
    private const int Live = 0, Cnaught = 1, Offset = 0, Invoice = 2, Receivable = 1;

    public static void Run(string path, double seconds, int group)
    {
        using var conn = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ConnectionString);
        conn.Open();
        using (var pragma = conn.CreateCommand())
        {
            pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;";
            pragma.ExecuteNonQuery();
        }
        var t = Template.Load(conn);
        using var w = new Writer(conn, t);

        var latencies = new List<double>(100_000);
        var starts = new long[group];
        var clock = Stopwatch.StartNew();
        var until = TimeSpan.FromSeconds(seconds);
        var n = 0;
        while (clock.Elapsed < until)
        {
            using (var tx = conn.BeginTransaction(deferred: false))
            {
                w.Enlist(tx);
                for (var i = 0; i < group; i++)
                {
                    starts[i] = Stopwatch.GetTimestamp();
                    if (group > 1) w.Exec("SAVEPOINT o;");
                    w.Write(t.Accounts[n++ % t.Accounts.Count]);
                    if (group > 1) w.Exec("RELEASE o;");
                }
                tx.Commit();
            }
            var end = Stopwatch.GetTimestamp();
            for (var i = 0; i < group; i++) latencies.Add(Stopwatch.GetElapsedTime(starts[i], end).TotalMilliseconds);
        }
        var elapsed = clock.Elapsed.TotalSeconds;
        latencies.Sort();
        var p50 = latencies[(int)(latencies.Count * 0.50)];
        var p99 = latencies[Math.Min(latencies.Count - 1, (int)(latencies.Count * 0.99))];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"RAW_RESULT {latencies.Count} {elapsed:F3} {p50:F3} {p99:F3}"));
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[sqlite-writer] {latencies.Count / elapsed:F0} orders/s, groups of {group}, over {t.Accounts.Count} accounts; per order (start to commit) p50 {p50:F2} ms, p99 {p99:F2} ms"));
    }

    private sealed record Account(long Id, long TokenId, long ReceivableId);

    /// <summary>A row read back as column name → value.</summary>
    private sealed class Row : Dictionary<string, object?>
    {
        public Row() : base(StringComparer.Ordinal) { }
    }

    private sealed record Template(Row Order, List<Row> Allocations, Row Transaction, List<Row> Entries, List<Row> Outbox, Row Answer,
        long SourceLedgerAccountId, List<Account> Accounts)
    {
        public static Template Load(SqliteConnection conn)
        {
            var order = One(conn, $"SELECT * FROM orders WHERE id = (SELECT MAX(id) FROM orders WHERE mode = {Live} AND dialect = {Cnaught} AND kind = {Offset} AND payment_method = {Invoice})")
                ?? throw new InvalidOperationException("No CNaught invoice order to copy: place one through Canopy first.");
            var id = (long)order["id"]!;
            var accountId = (long)order["account_id"]!;
            var publicId = (string)order["public_id"]!;
            var transaction = One(conn, $"SELECT * FROM ledger_transactions WHERE key = 'order:{publicId}:payment'")!;
            var answer = One(conn, $"SELECT * FROM idempotency_records WHERE account_id = {accountId} AND mode = {Live} AND response_status = 201 ORDER BY id DESC LIMIT 1")
                ?? throw new InvalidOperationException("The order to copy was placed without an Idempotency-Key.");
            var source = (long)One(conn, $"SELECT id FROM ledger_accounts WHERE kind = {Receivable} AND account_id = {accountId}")!["id"]!;
            var accounts = All(conn, $"""
                SELECT o.account_id, MIN(o.token_id) AS token_id, l.id AS receivable_id FROM orders o
                JOIN ledger_accounts l ON l.account_id = o.account_id AND l.kind = {Receivable}
                WHERE o.mode = {Live} AND o.dialect = {Cnaught} AND o.payment_method = {Invoice}
                GROUP BY o.account_id, l.id ORDER BY o.account_id
                """).Select(r => new Account((long)r["account_id"]!, (long)r["token_id"]!, (long)r["receivable_id"]!)).ToList();
            return new Template(order, All(conn, $"SELECT * FROM order_allocations WHERE order_id = {id} ORDER BY id"), transaction,
                All(conn, $"SELECT * FROM ledger_entries WHERE transaction_id = {transaction["id"]} ORDER BY id"),
                All(conn, $"SELECT * FROM outbox_messages WHERE subject = '{publicId}' ORDER BY id"), answer, source, accounts);
        }

        private static Row? One(SqliteConnection conn, string sql) => All(conn, sql).FirstOrDefault();

        private static List<Row> All(SqliteConnection conn, string sql)
        {
            using var cmd = conn.CreateCommand();
            cmd.CommandText = sql;
            using var reader = cmd.ExecuteReader();
            var rows = new List<Row>();
            while (reader.Read())
            {
                var row = new Row();
                for (var i = 0; i < reader.FieldCount; i++) row[reader.GetName(i)] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                rows.Add(row);
            }
            return rows;
        }
    }

    /// <summary>The prepared statements of one order, reused for every order.</summary>
    private sealed class Writer : IDisposable
    {
        private readonly SqliteConnection _conn;
        private readonly Template _t;
        private readonly SqliteCommand _deleteExpired, _findKey, _order, _allocation, _transaction, _entry, _outbox, _totals, _answer, _plain;
        private readonly SqliteCommand[] _all;
        private readonly long _certifiedGrams, _uncertifiedGrams;

        public Writer(SqliteConnection conn, Template t)
        {
            _conn = conn;
            _t = t;
            _deleteExpired = Make("DELETE FROM idempotency_records WHERE account_id = $a AND mode = $m AND key = $k AND expires_at <= $now");
            _findKey = Make("SELECT 1 FROM idempotency_records WHERE account_id = $a AND mode = $m AND key = $k");
            _order = Insert("orders", t.Order, returning: true);
            _allocation = Insert("order_allocations", t.Allocations[0], returning: false);
            _transaction = Insert("ledger_transactions", t.Transaction, returning: true);
            _entry = Insert("ledger_entries", t.Entries[0], returning: false);
            _outbox = Insert("outbox_messages", t.Outbox.Count > 0 ? t.Outbox[0] : new Row { ["account_id"] = 0L }, returning: false);
            _totals = Make("""
                INSERT INTO account_totals (account_id, certified_grams, uncertified_grams, trees, orders)
                VALUES ($account_id, $certified, $uncertified, 0, 1)
                ON CONFLICT (account_id) DO UPDATE SET
                  certified_grams = account_totals.certified_grams + excluded.certified_grams,
                  uncertified_grams = account_totals.uncertified_grams + excluded.uncertified_grams,
                  trees = account_totals.trees + excluded.trees,
                  orders = account_totals.orders + 1
                """);
            _answer = Insert("idempotency_records", t.Answer, returning: false);
            _plain = Make("");
            _all = [_deleteExpired, _findKey, _order, _allocation, _transaction, _entry, _outbox, _totals, _answer, _plain];
            _certifiedGrams = t.Allocations.Where(a => Convert.ToInt64(a["certified"], CultureInfo.InvariantCulture) != 0).Sum(a => (long)a["grams"]!);
            _uncertifiedGrams = t.Allocations.Where(a => Convert.ToInt64(a["certified"], CultureInfo.InvariantCulture) == 0).Sum(a => (long)a["grams"]!);
        }

        public void Enlist(SqliteTransaction tx)
        {
            foreach (var c in _all) c.Transaction = tx;
        }

        public void Exec(string sql)
        {
            _plain.CommandText = sql;
            _plain.ExecuteNonQuery();
        }

        public void Write(Account account)
        {
            var now = DateTime.UtcNow;
            var key = "raw-" + Random(24);
            Bind(_deleteExpired, ("$a", account.Id), ("$m", Live), ("$k", key), ("$now", now));
            _deleteExpired.ExecuteNonQuery();
            Bind(_findKey, ("$a", account.Id), ("$m", Live), ("$k", key));
            if (_findKey.ExecuteScalar() is not null) throw new InvalidOperationException("A fresh key was taken.");

            var publicId = Random(12);
            var orderId = (long)Copy(_order, _t.Order, ("public_id", publicId), ("order_number", Random(28)), ("account_id", account.Id),
                ("token_id", account.TokenId), ("certificate_id", Random(22)), ("created_at", now)).ExecuteScalar()!;
            foreach (var a in _t.Allocations)
                Copy(_allocation, a, ("order_id", orderId), ("account_id", account.Id), ("created_at", now)).ExecuteNonQuery();
            var txId = (long)Copy(_transaction, _t.Transaction, ("key", $"order:{publicId}:payment"), ("account_id", account.Id), ("created_at", now)).ExecuteScalar()!;
            foreach (var e in _t.Entries)
            {
                var ledgerAccount = (long)e["ledger_account_id"]! == _t.SourceLedgerAccountId ? account.ReceivableId : (long)e["ledger_account_id"]!;
                Copy(_entry, e, ("transaction_id", txId), ("ledger_account_id", ledgerAccount)).ExecuteNonQuery();
            }
            foreach (var m in _t.Outbox)
                Copy(_outbox, m, ("account_id", account.Id), ("subject", publicId), ("payload", $"{{\"order_id\":\"{publicId}\"}}"), ("created_at", now), ("available_at", now)).ExecuteNonQuery();
            Bind(_totals, ("$account_id", account.Id), ("$certified", _certifiedGrams), ("$uncertified", _uncertifiedGrams));
            _totals.ExecuteNonQuery();
            Copy(_answer, _t.Answer, ("account_id", account.Id), ("key", key), ("created_at", now), ("expires_at", now.AddHours(24))).ExecuteNonQuery();
        }

        private SqliteCommand Make(string sql)
        {
            var cmd = _conn.CreateCommand();
            cmd.CommandText = sql;
            return cmd;
        }

        /// <summary>An INSERT of every column of the template row but its id.</summary>
        private SqliteCommand Insert(string table, Row template, bool returning)
        {
            var columns = template.Keys.Where(c => c != "id").ToList();
            return Make($"INSERT INTO {table} ({string.Join(", ", columns)}) VALUES ({string.Join(", ", columns.Select(c => "$" + c))})"
                + (returning ? " RETURNING id" : ""));
        }

        private static SqliteCommand Copy(SqliteCommand cmd, Row template, params (string Column, object? Value)[] overrides)
        {
            cmd.Parameters.Clear();
            foreach (var (column, value) in template)
            {
                if (column == "id") continue;
                var v = value;
                foreach (var o in overrides)
                    if (o.Column == column) v = o.Value;
                cmd.Parameters.AddWithValue("$" + column, v ?? DBNull.Value);
            }
            return cmd;
        }

        private static void Bind(SqliteCommand cmd, params (string Name, object Value)[] values)
        {
            cmd.Parameters.Clear();
            foreach (var (name, value) in values) cmd.Parameters.AddWithValue(name, value);
        }

        private static string Random(int length) =>
            System.Security.Cryptography.RandomNumberGenerator.GetString("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", length);

        public void Dispose()
        {
            foreach (var c in _all) c.Dispose();
        }
    }
}
