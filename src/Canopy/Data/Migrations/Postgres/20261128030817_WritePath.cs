using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Canopy.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class WritePath : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // The order batch's claim on an Idempotency-Key: a transaction-scoped try-lock on the key's hash that fails at
            // once (SQLSTATE CN409) when another transaction holds it, so a concurrent duplicate gets 409 without waiting.
            migrationBuilder.Sql("""
                CREATE OR REPLACE FUNCTION canopy_lock_idempotency_key(lock_id bigint) RETURNS void LANGUAGE plpgsql AS $$
                BEGIN
                  IF NOT pg_try_advisory_xact_lock(lock_id) THEN
                    RAISE EXCEPTION 'idempotency key in use' USING ERRCODE = 'CN409';
                  END IF;
                END $$;
                """);
            // Receivables no longer cache a balance (their balance is the sum of their entries).
            migrationBuilder.Sql("UPDATE ledger_accounts SET balance = 0 WHERE kind = 1;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP FUNCTION IF EXISTS canopy_lock_idempotency_key(bigint);");
        }
    }
}
