using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Canopy.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class OrderCheckoutSession : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "checkout_session_id",
                table: "orders",
                type: "TEXT",
                maxLength: 255,
                nullable: true);

            // Orders paid through a checkout session before the column existed.
            migrationBuilder.Sql("""
                UPDATE orders SET checkout_session_id = (SELECT s.public_id FROM checkout_sessions s WHERE s.order_public_id = orders.public_id)
                WHERE public_id IN (SELECT order_public_id FROM checkout_sessions)
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "checkout_session_id",
                table: "orders");
        }
    }
}
