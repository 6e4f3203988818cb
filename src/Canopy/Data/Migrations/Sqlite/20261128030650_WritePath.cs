using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Canopy.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class WritePath : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Receivables no longer cache a balance (their balance is the sum of their entries).
            migrationBuilder.Sql("UPDATE ledger_accounts SET balance = 0 WHERE kind = 1;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
        }
    }
}
