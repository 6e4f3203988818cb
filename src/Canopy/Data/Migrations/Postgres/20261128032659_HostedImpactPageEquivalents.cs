using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Canopy.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class HostedImpactPageEquivalents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "hosted_impact_page_equivalents",
                table: "accounts",
                type: "integer",
                nullable: false,
                // Existing accounts show every equivalent (ImpactEquivalents.All), as new ones do.
                defaultValue: 15);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "hosted_impact_page_equivalents",
                table: "accounts");
        }
    }
}
