using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Canopy.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class StripeIntentsWebhooksCheckout : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "checkout_sessions",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    public_id = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    account_id = table.Column<long>(type: "bigint", nullable: false),
                    subaccount_id = table.Column<long>(type: "bigint", nullable: true),
                    mode = table.Column<int>(type: "integer", nullable: false),
                    token_id = table.Column<long>(type: "bigint", nullable: false),
                    portfolio_id = table.Column<long>(type: "bigint", nullable: false),
                    grams = table.Column<long>(type: "bigint", nullable: false),
                    price_usd_cents = table.Column<long>(type: "bigint", nullable: false),
                    success_url = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: false),
                    cancel_url = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: false),
                    checkout_url = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: false),
                    email = table.Column<string>(type: "character varying(320)", maxLength: 320, nullable: true),
                    order_description = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true),
                    order_webhook_url = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: true),
                    state = table.Column<int>(type: "integer", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    expires_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    completed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    order_public_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    processor_intent_id = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_checkout_sessions", x => x.id);
                    table.ForeignKey(
                        name: "fk_checkout_sessions_accounts_account_id",
                        column: x => x.account_id,
                        principalTable: "accounts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "payment_intents",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    account_id = table.Column<long>(type: "bigint", nullable: false),
                    order_public_id = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    client_key = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true),
                    processor_key = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    amount_minor = table.Column<long>(type: "bigint", nullable: false),
                    currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false),
                    customer_id = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    payment_method_id = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    status = table.Column<int>(type: "integer", nullable: false),
                    processor_intent_id = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    charge_id = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    failure_code = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    failure_message = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    dispute_id = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_payment_intents", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "stripe_events",
                columns: table => new
                {
                    id = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    type = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    received_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    processed_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_stripe_events", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_checkout_sessions_account_id_mode_id",
                table: "checkout_sessions",
                columns: new[] { "account_id", "mode", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_checkout_sessions_order_public_id",
                table: "checkout_sessions",
                column: "order_public_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_checkout_sessions_public_id",
                table: "checkout_sessions",
                column: "public_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_payment_intents_account_id_client_key",
                table: "payment_intents",
                columns: new[] { "account_id", "client_key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_payment_intents_charge_id",
                table: "payment_intents",
                column: "charge_id");

            migrationBuilder.CreateIndex(
                name: "ix_payment_intents_order_public_id",
                table: "payment_intents",
                column: "order_public_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_payment_intents_processor_intent_id",
                table: "payment_intents",
                column: "processor_intent_id");

            migrationBuilder.CreateIndex(
                name: "ix_payment_intents_status_created_at",
                table: "payment_intents",
                columns: new[] { "status", "created_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "checkout_sessions");

            migrationBuilder.DropTable(
                name: "payment_intents");

            migrationBuilder.DropTable(
                name: "stripe_events");
        }
    }
}
