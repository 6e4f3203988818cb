using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Canopy.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "account_totals",
                columns: table => new
                {
                    account_id = table.Column<long>(type: "INTEGER", nullable: false),
                    certified_grams = table.Column<long>(type: "INTEGER", nullable: false),
                    uncertified_grams = table.Column<long>(type: "INTEGER", nullable: false),
                    trees = table.Column<long>(type: "INTEGER", nullable: false),
                    orders = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_account_totals", x => x.account_id);
                });

            migrationBuilder.CreateTable(
                name: "accounts",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    email = table.Column<string>(type: "TEXT", maxLength: 320, nullable: true),
                    currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    default_portfolio_id = table.Column<long>(type: "INTEGER", nullable: true),
                    billing = table.Column<int>(type: "INTEGER", nullable: false),
                    stripe_customer_id = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    card_payment_method = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    impact_slug = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    hosted_impact_page_enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    public_feed_opt_in = table.Column<bool>(type: "INTEGER", nullable: false),
                    ride_grams_per_km = table.Column<long>(type: "INTEGER", nullable: true),
                    webhook_secret = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_accounts", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "fx_rates",
                columns: table => new
                {
                    currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    micro_units_per_usd = table.Column<long>(type: "INTEGER", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_fx_rates", x => x.currency);
                });

            migrationBuilder.CreateTable(
                name: "idempotency_records",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    account_id = table.Column<long>(type: "INTEGER", nullable: false),
                    mode = table.Column<int>(type: "INTEGER", nullable: false),
                    key = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    fingerprint = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    completed = table.Column<bool>(type: "INTEGER", nullable: false),
                    response_status = table.Column<int>(type: "INTEGER", nullable: true),
                    response_content_type = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    response_body = table.Column<byte[]>(type: "BLOB", nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    expires_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_idempotency_records", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "ledger_accounts",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    code = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    kind = table.Column<int>(type: "INTEGER", nullable: false),
                    account_id = table.Column<long>(type: "INTEGER", nullable: true),
                    project_id = table.Column<long>(type: "INTEGER", nullable: true),
                    currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    balance = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_ledger_accounts", x => x.id);
                    table.CheckConstraint("ck_ledger_accounts_credits_nonnegative", "kind <> 0 OR balance >= 0");
                });

            migrationBuilder.CreateTable(
                name: "ledger_transactions",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    key = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    kind = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    account_id = table.Column<long>(type: "INTEGER", nullable: true),
                    note = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_ledger_transactions", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "outbox_messages",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    account_id = table.Column<long>(type: "INTEGER", nullable: true),
                    topic = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    subject = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    payload = table.Column<string>(type: "TEXT", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    available_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    leased_until = table.Column<DateTime>(type: "TEXT", nullable: true),
                    completed_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    gave_up_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    last_error = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_outbox_messages", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "portfolios",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    public_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    summary = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    description = table.Column<string>(type: "TEXT", nullable: true),
                    image_url = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true),
                    is_default = table.Column<bool>(type: "INTEGER", nullable: false),
                    active = table.Column<bool>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_portfolios", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "project_categories",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    description = table.Column<string>(type: "TEXT", nullable: true),
                    image_url = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_project_categories", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "settings",
                columns: table => new
                {
                    key = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    value = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_settings", x => x.key);
                });

            migrationBuilder.CreateTable(
                name: "orders",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    public_id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    order_number = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    account_id = table.Column<long>(type: "INTEGER", nullable: false),
                    subaccount_id = table.Column<long>(type: "INTEGER", nullable: true),
                    token_id = table.Column<long>(type: "INTEGER", nullable: false),
                    mode = table.Column<int>(type: "INTEGER", nullable: false),
                    dialect = table.Column<int>(type: "INTEGER", nullable: false),
                    kind = table.Column<int>(type: "INTEGER", nullable: false),
                    state = table.Column<int>(type: "INTEGER", nullable: false),
                    portfolio_id = table.Column<long>(type: "INTEGER", nullable: true),
                    project_id = table.Column<long>(type: "INTEGER", nullable: true),
                    grams = table.Column<long>(type: "INTEGER", nullable: false),
                    trees = table.Column<int>(type: "INTEGER", nullable: false),
                    price_usd_cents = table.Column<long>(type: "INTEGER", nullable: false),
                    amount_charged = table.Column<long>(type: "INTEGER", nullable: false),
                    charge_currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    payment_method = table.Column<int>(type: "INTEGER", nullable: false),
                    payment_reference = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    note = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    metadata = table.Column<string>(type: "TEXT", maxLength: 512, nullable: true),
                    description = table.Column<string>(type: "TEXT", maxLength: 512, nullable: true),
                    on_behalf_of_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    on_behalf_of_email = table.Column<string>(type: "TEXT", maxLength: 320, nullable: true),
                    callback_url = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true),
                    distance_meters = table.Column<long>(type: "INTEGER", nullable: true),
                    send_receipt_email = table.Column<bool>(type: "INTEGER", nullable: false),
                    certificate_id = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    fulfilled_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    cancelled_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_orders", x => x.id);
                    table.ForeignKey(
                        name: "fk_orders_accounts_account_id",
                        column: x => x.account_id,
                        principalTable: "accounts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "subaccounts",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    public_id = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    account_id = table.Column<long>(type: "INTEGER", nullable: false),
                    mode = table.Column<int>(type: "INTEGER", nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    email = table.Column<string>(type: "TEXT", maxLength: 320, nullable: true),
                    default_portfolio_id = table.Column<long>(type: "INTEGER", nullable: true),
                    logo_url = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_subaccounts", x => x.id);
                    table.ForeignKey(
                        name: "fk_subaccounts_accounts_account_id",
                        column: x => x.account_id,
                        principalTable: "accounts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "users",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    account_id = table.Column<long>(type: "INTEGER", nullable: false),
                    email = table.Column<string>(type: "TEXT", maxLength: 320, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    has_login = table.Column<bool>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_users", x => x.id);
                    table.ForeignKey(
                        name: "fk_users_accounts_account_id",
                        column: x => x.account_id,
                        principalTable: "accounts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "ledger_entries",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    transaction_id = table.Column<long>(type: "INTEGER", nullable: false),
                    ledger_account_id = table.Column<long>(type: "INTEGER", nullable: false),
                    amount = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_ledger_entries", x => x.id);
                    table.ForeignKey(
                        name: "fk_ledger_entries_ledger_accounts_ledger_account_id",
                        column: x => x.ledger_account_id,
                        principalTable: "ledger_accounts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_ledger_entries_ledger_transactions_transaction_id",
                        column: x => x.transaction_id,
                        principalTable: "ledger_transactions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "outbox_attempts",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    message_id = table.Column<long>(type: "INTEGER", nullable: false),
                    attempted_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    succeeded = table.Column<bool>(type: "INTEGER", nullable: false),
                    error = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_outbox_attempts", x => x.id);
                    table.ForeignKey(
                        name: "fk_outbox_attempts_outbox_messages_message_id",
                        column: x => x.message_id,
                        principalTable: "outbox_messages",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "projects",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    public_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    type = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    kind = table.Column<int>(type: "INTEGER", nullable: false),
                    cost_per_ton_usd_cents = table.Column<long>(type: "INTEGER", nullable: true),
                    cost_per_tree_usd_cents = table.Column<long>(type: "INTEGER", nullable: true),
                    certified = table.Column<bool>(type: "INTEGER", nullable: false),
                    certification_status = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    category_id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true),
                    developer = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    registry_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    registry_id = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    registry_url = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true),
                    summary = table.Column<string>(type: "TEXT", nullable: true),
                    description = table.Column<string>(type: "TEXT", nullable: true),
                    location_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    location_latitude = table.Column<double>(type: "REAL", nullable: true),
                    location_longitude = table.Column<double>(type: "REAL", nullable: true),
                    un_sdg_goals = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    image_url = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true),
                    active = table.Column<bool>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_projects", x => x.id);
                    table.ForeignKey(
                        name: "fk_projects_project_categories_category_id",
                        column: x => x.category_id,
                        principalTable: "project_categories",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "subaccount_logos",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    account_id = table.Column<long>(type: "INTEGER", nullable: false),
                    subaccount_id = table.Column<long>(type: "INTEGER", nullable: false),
                    content_type = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    bytes = table.Column<byte[]>(type: "BLOB", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_subaccount_logos", x => x.id);
                    table.ForeignKey(
                        name: "fk_subaccount_logos_subaccounts_subaccount_id",
                        column: x => x.subaccount_id,
                        principalTable: "subaccounts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "api_tokens",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    account_id = table.Column<long>(type: "INTEGER", nullable: false),
                    user_id = table.Column<long>(type: "INTEGER", nullable: true),
                    kind = table.Column<int>(type: "INTEGER", nullable: false),
                    mode = table.Column<int>(type: "INTEGER", nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    prefix = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    last_used_at = table.Column<DateTime>(type: "TEXT", nullable: true),
                    revoked_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_api_tokens", x => x.id);
                    table.ForeignKey(
                        name: "fk_api_tokens_accounts_account_id",
                        column: x => x.account_id,
                        principalTable: "accounts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_api_tokens_users_user_id",
                        column: x => x.user_id,
                        principalTable: "users",
                        principalColumn: "id");
                });

            migrationBuilder.CreateTable(
                name: "credit_batches",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    project_id = table.Column<long>(type: "INTEGER", nullable: false),
                    vintage = table.Column<int>(type: "INTEGER", nullable: false),
                    registry_name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    serial_prefix = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    grams_issued = table.Column<long>(type: "INTEGER", nullable: false),
                    grams_available = table.Column<long>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_credit_batches", x => x.id);
                    table.CheckConstraint("ck_credit_batches_available", "grams_available >= 0 AND grams_available <= grams_issued");
                    table.ForeignKey(
                        name: "fk_credit_batches_projects_project_id",
                        column: x => x.project_id,
                        principalTable: "projects",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "order_allocations",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    order_id = table.Column<long>(type: "INTEGER", nullable: false),
                    account_id = table.Column<long>(type: "INTEGER", nullable: false),
                    mode = table.Column<int>(type: "INTEGER", nullable: false),
                    project_id = table.Column<long>(type: "INTEGER", nullable: false),
                    grams = table.Column<long>(type: "INTEGER", nullable: false),
                    trees = table.Column<int>(type: "INTEGER", nullable: false),
                    price_usd_cents = table.Column<long>(type: "INTEGER", nullable: false),
                    certified = table.Column<bool>(type: "INTEGER", nullable: false),
                    cancelled = table.Column<bool>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_order_allocations", x => x.id);
                    table.ForeignKey(
                        name: "fk_order_allocations_orders_order_id",
                        column: x => x.order_id,
                        principalTable: "orders",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_order_allocations_projects_project_id",
                        column: x => x.project_id,
                        principalTable: "projects",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "portfolio_allocations",
                columns: table => new
                {
                    portfolio_id = table.Column<long>(type: "INTEGER", nullable: false),
                    project_id = table.Column<long>(type: "INTEGER", nullable: false),
                    parts_per_million = table.Column<int>(type: "INTEGER", nullable: false),
                    position = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_portfolio_allocations", x => new { x.portfolio_id, x.project_id });
                    table.ForeignKey(
                        name: "fk_portfolio_allocations_portfolios_portfolio_id",
                        column: x => x.portfolio_id,
                        principalTable: "portfolios",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_portfolio_allocations_projects_project_id",
                        column: x => x.project_id,
                        principalTable: "projects",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_account_totals_certified_grams",
                table: "account_totals",
                column: "certified_grams");

            migrationBuilder.CreateIndex(
                name: "ix_accounts_impact_slug",
                table: "accounts",
                column: "impact_slug",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_api_tokens_account_id",
                table: "api_tokens",
                column: "account_id");

            migrationBuilder.CreateIndex(
                name: "ix_api_tokens_hash",
                table: "api_tokens",
                column: "hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_api_tokens_user_id",
                table: "api_tokens",
                column: "user_id");

            migrationBuilder.CreateIndex(
                name: "ix_credit_batches_project_id_vintage",
                table: "credit_batches",
                columns: new[] { "project_id", "vintage" });

            migrationBuilder.CreateIndex(
                name: "ix_idempotency_records_account_id_mode_key",
                table: "idempotency_records",
                columns: new[] { "account_id", "mode", "key" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_idempotency_records_expires_at",
                table: "idempotency_records",
                column: "expires_at");

            migrationBuilder.CreateIndex(
                name: "ix_ledger_accounts_account_id",
                table: "ledger_accounts",
                column: "account_id");

            migrationBuilder.CreateIndex(
                name: "ix_ledger_accounts_code",
                table: "ledger_accounts",
                column: "code",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_ledger_entries_ledger_account_id",
                table: "ledger_entries",
                column: "ledger_account_id");

            migrationBuilder.CreateIndex(
                name: "ix_ledger_entries_transaction_id",
                table: "ledger_entries",
                column: "transaction_id");

            migrationBuilder.CreateIndex(
                name: "ix_ledger_transactions_account_id",
                table: "ledger_transactions",
                column: "account_id");

            migrationBuilder.CreateIndex(
                name: "ix_ledger_transactions_key",
                table: "ledger_transactions",
                column: "key",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_order_allocations_account_id_mode_certified_id",
                table: "order_allocations",
                columns: new[] { "account_id", "mode", "certified", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_order_allocations_order_id",
                table: "order_allocations",
                column: "order_id");

            migrationBuilder.CreateIndex(
                name: "ix_order_allocations_project_id",
                table: "order_allocations",
                column: "project_id");

            migrationBuilder.CreateIndex(
                name: "ix_orders_account_id_mode_id",
                table: "orders",
                columns: new[] { "account_id", "mode", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_orders_account_id_subaccount_id_mode_id",
                table: "orders",
                columns: new[] { "account_id", "subaccount_id", "mode", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_orders_certificate_id",
                table: "orders",
                column: "certificate_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_orders_public_id",
                table: "orders",
                column: "public_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_outbox_attempts_message_id",
                table: "outbox_attempts",
                column: "message_id");

            migrationBuilder.CreateIndex(
                name: "ix_outbox_messages_completed_at_available_at",
                table: "outbox_messages",
                columns: new[] { "completed_at", "available_at" });

            migrationBuilder.CreateIndex(
                name: "ix_portfolio_allocations_project_id",
                table: "portfolio_allocations",
                column: "project_id");

            migrationBuilder.CreateIndex(
                name: "ix_portfolios_public_id",
                table: "portfolios",
                column: "public_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ux_portfolios_single_default",
                table: "portfolios",
                column: "is_default",
                unique: true,
                filter: "is_default = 1");

            migrationBuilder.CreateIndex(
                name: "ix_projects_category_id",
                table: "projects",
                column: "category_id");

            migrationBuilder.CreateIndex(
                name: "ix_projects_public_id",
                table: "projects",
                column: "public_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_subaccount_logos_subaccount_id",
                table: "subaccount_logos",
                column: "subaccount_id");

            migrationBuilder.CreateIndex(
                name: "ix_subaccounts_account_id_mode_id",
                table: "subaccounts",
                columns: new[] { "account_id", "mode", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_subaccounts_public_id",
                table: "subaccounts",
                column: "public_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_users_account_id_email",
                table: "users",
                columns: new[] { "account_id", "email" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "account_totals");

            migrationBuilder.DropTable(
                name: "api_tokens");

            migrationBuilder.DropTable(
                name: "credit_batches");

            migrationBuilder.DropTable(
                name: "fx_rates");

            migrationBuilder.DropTable(
                name: "idempotency_records");

            migrationBuilder.DropTable(
                name: "ledger_entries");

            migrationBuilder.DropTable(
                name: "order_allocations");

            migrationBuilder.DropTable(
                name: "outbox_attempts");

            migrationBuilder.DropTable(
                name: "portfolio_allocations");

            migrationBuilder.DropTable(
                name: "settings");

            migrationBuilder.DropTable(
                name: "subaccount_logos");

            migrationBuilder.DropTable(
                name: "users");

            migrationBuilder.DropTable(
                name: "ledger_accounts");

            migrationBuilder.DropTable(
                name: "ledger_transactions");

            migrationBuilder.DropTable(
                name: "orders");

            migrationBuilder.DropTable(
                name: "outbox_messages");

            migrationBuilder.DropTable(
                name: "portfolios");

            migrationBuilder.DropTable(
                name: "projects");

            migrationBuilder.DropTable(
                name: "subaccounts");

            migrationBuilder.DropTable(
                name: "project_categories");

            migrationBuilder.DropTable(
                name: "accounts");
        }
    }
}
