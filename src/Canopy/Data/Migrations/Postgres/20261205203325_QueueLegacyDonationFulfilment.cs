using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Canopy.Data.Migrations.Postgres
{
    /// <summary>
    /// Data fix: donation orders placed before donations were fulfilled stayed <c>placed</c> with no
    /// <c>order.fulfil</c> message. Queue one for each placed order whose allocations are all to donation projects
    /// (kind 1) and that has none; the outbox then fulfils them like any other. Nothing to undo (Down keeps the
    /// messages: they are work, not schema).
    /// </summary>
    public partial class QueueLegacyDonationFulfilment : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                INSERT INTO outbox_messages (account_id, topic, subject, payload, created_at, available_at, attempts)
                SELECT o.account_id, 'order.fulfil', o.public_id, json_build_object('order_id', o.public_id)::text, now(), now(), 0
                FROM orders o
                WHERE o.state = 0
                  AND EXISTS (SELECT 1 FROM order_allocations a WHERE a.order_id = o.id)
                  AND NOT EXISTS (SELECT 1 FROM order_allocations a JOIN projects p ON p.id = a.project_id
                                  WHERE a.order_id = o.id AND p.kind <> 1)
                  AND NOT EXISTS (SELECT 1 FROM outbox_messages m WHERE m.topic = 'order.fulfil' AND m.subject = o.public_id);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {

        }
    }
}
