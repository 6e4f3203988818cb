using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Canopy.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class FulfilmentQueue : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "fulfilment_queue",
                columns: table => new
                {
                    allocation_id = table.Column<long>(type: "bigint", nullable: false),
                    project_id = table.Column<long>(type: "bigint", nullable: false),
                    order_id = table.Column<long>(type: "bigint", nullable: false),
                    account_id = table.Column<long>(type: "bigint", nullable: false),
                    grams_waiting = table.Column<long>(type: "bigint", nullable: false),
                    queued_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_fulfilment_queue", x => x.allocation_id);
                    table.CheckConstraint("ck_fulfilment_queue_grams", "grams_waiting > 0");
                    table.ForeignKey(
                        name: "fk_fulfilment_queue_order_allocations_allocation_id",
                        column: x => x.allocation_id,
                        principalTable: "order_allocations",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_fulfilment_queue_order_id",
                table: "fulfilment_queue",
                column: "order_id");

            migrationBuilder.CreateIndex(
                name: "ix_fulfilment_queue_project_id_order_id_allocation_id",
                table: "fulfilment_queue",
                columns: new[] { "project_id", "order_id", "allocation_id" });

            // Orders already waiting join their projects' lines (grams still needed, oldest first by order id), and each
            // such project gets an inventory.serve message, so that inventory already there serves them.
            migrationBuilder.Sql("""
                INSERT INTO fulfilment_queue (allocation_id, project_id, order_id, account_id, grams_waiting, queued_at)
                SELECT a.id, a.project_id, a.order_id, a.account_id,
                       a.grams - COALESCE((SELECT SUM(r.grams) FROM retirements r WHERE r.allocation_id = a.id AND r.released_at IS NULL), 0),
                       o.created_at
                FROM order_allocations a
                JOIN orders o ON o.id = a.order_id
                JOIN projects p ON p.id = a.project_id
                WHERE o.state = 0 AND a.cancelled = FALSE AND a.mode = 0 AND p.kind = 0 AND a.grams > 0
                  AND a.grams > COALESCE((SELECT SUM(r.grams) FROM retirements r WHERE r.allocation_id = a.id AND r.released_at IS NULL), 0)
                  AND EXISTS (SELECT 1 FROM outbox_messages m WHERE m.topic = 'order.fulfil' AND m.subject = o.public_id AND m.completed_at IS NOT NULL);
                INSERT INTO outbox_messages (topic, subject, payload, created_at, available_at, attempts)
                SELECT 'inventory.serve', 'projects:' || q.project_id, '{"project_ids":[' || q.project_id || ']}', now(), now(), 0
                FROM (SELECT DISTINCT project_id FROM fulfilment_queue) q;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "fulfilment_queue");
        }
    }
}
