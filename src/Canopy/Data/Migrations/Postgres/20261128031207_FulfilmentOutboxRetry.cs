using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Canopy.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class FulfilmentOutboxRetry : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "retried_at",
                table: "outbox_messages",
                type: "timestamp with time zone",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "retried_at",
                table: "outbox_messages");
        }
    }
}
