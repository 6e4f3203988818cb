using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Canopy.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ClientsProjectProfile : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "activity_types",
                table: "projects",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "beyond_carbon",
                table: "projects",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "due_diligence",
                table: "projects",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "due_diligence_figure",
                table: "projects",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "impact_type",
                table: "projects",
                type: "character varying(100)",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "lifetime_end_year",
                table: "projects",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "lifetime_start_year",
                table: "projects",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "methodology",
                table: "projects",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "news_articles",
                table: "projects",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "notable_buyers",
                table: "projects",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "permanence",
                table: "projects",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "risk_of_reversal",
                table: "projects",
                type: "text",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "third_party_labels",
                table: "projects",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<string>(
                name: "verifier",
                table: "projects",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "activity_types",
                table: "projects");

            migrationBuilder.DropColumn(
                name: "beyond_carbon",
                table: "projects");

            migrationBuilder.DropColumn(
                name: "due_diligence",
                table: "projects");

            migrationBuilder.DropColumn(
                name: "due_diligence_figure",
                table: "projects");

            migrationBuilder.DropColumn(
                name: "impact_type",
                table: "projects");

            migrationBuilder.DropColumn(
                name: "lifetime_end_year",
                table: "projects");

            migrationBuilder.DropColumn(
                name: "lifetime_start_year",
                table: "projects");

            migrationBuilder.DropColumn(
                name: "methodology",
                table: "projects");

            migrationBuilder.DropColumn(
                name: "news_articles",
                table: "projects");

            migrationBuilder.DropColumn(
                name: "notable_buyers",
                table: "projects");

            migrationBuilder.DropColumn(
                name: "permanence",
                table: "projects");

            migrationBuilder.DropColumn(
                name: "risk_of_reversal",
                table: "projects");

            migrationBuilder.DropColumn(
                name: "third_party_labels",
                table: "projects");

            migrationBuilder.DropColumn(
                name: "verifier",
                table: "projects");
        }
    }
}
