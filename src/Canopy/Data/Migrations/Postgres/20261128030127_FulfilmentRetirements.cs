using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Canopy.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class FulfilmentRetirements : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "lease_token",
                table: "outbox_messages",
                type: "character varying(40)",
                maxLength: 40,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "latency_ms",
                table: "outbox_attempts",
                type: "bigint",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "status_code",
                table: "outbox_attempts",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "registry_url",
                table: "credit_batches",
                type: "character varying(2048)",
                maxLength: 2048,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "serial_cursor",
                table: "credit_batches",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.CreateTable(
                name: "retirements",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    allocation_id = table.Column<long>(type: "bigint", nullable: false),
                    order_id = table.Column<long>(type: "bigint", nullable: false),
                    account_id = table.Column<long>(type: "bigint", nullable: false),
                    project_id = table.Column<long>(type: "bigint", nullable: false),
                    batch_id = table.Column<long>(type: "bigint", nullable: false),
                    vintage = table.Column<int>(type: "integer", nullable: false),
                    grams = table.Column<long>(type: "bigint", nullable: false),
                    serial_start = table.Column<long>(type: "bigint", nullable: false),
                    serial_end = table.Column<long>(type: "bigint", nullable: false),
                    serial_number_range = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    registry_url = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: true),
                    retired_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    released_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_retirements", x => x.id);
                    table.CheckConstraint("ck_retirements_range", "grams > 0 AND serial_end - serial_start = grams");
                    table.ForeignKey(
                        name: "fk_retirements_credit_batches_batch_id",
                        column: x => x.batch_id,
                        principalTable: "credit_batches",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_retirements_order_allocations_allocation_id",
                        column: x => x.allocation_id,
                        principalTable: "order_allocations",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_retirements_allocation_id",
                table: "retirements",
                column: "allocation_id");

            migrationBuilder.CreateIndex(
                name: "ix_retirements_batch_id_serial_start",
                table: "retirements",
                columns: new[] { "batch_id", "serial_start" });

            migrationBuilder.CreateIndex(
                name: "ix_retirements_order_id",
                table: "retirements",
                column: "order_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "retirements");

            migrationBuilder.DropColumn(
                name: "lease_token",
                table: "outbox_messages");

            migrationBuilder.DropColumn(
                name: "latency_ms",
                table: "outbox_attempts");

            migrationBuilder.DropColumn(
                name: "status_code",
                table: "outbox_attempts");

            migrationBuilder.DropColumn(
                name: "registry_url",
                table: "credit_batches");

            migrationBuilder.DropColumn(
                name: "serial_cursor",
                table: "credit_batches");
        }
    }
}
