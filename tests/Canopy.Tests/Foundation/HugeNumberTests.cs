using System.Net;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Foundation;

/// <summary>Numbers far beyond every limit are refused with a 400 naming the field, never an overflow 500.</summary>
public abstract class HugeNumberTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("application/json", """{"tons": 1e28}""")]
    [InlineData("application/x-www-form-urlencoded", "tons=1e28")]
    [InlineData("application/json", """{"tons": 79228162514264337593543950335}""")]
    public async Task WrenTonsFarTooLargeIs400(string contentType, string body)
    {
        var account = await app.CreateAccountAsync(creditsUsdCents: 1_000);
        var response = await app.WithBasic(account.LiveToken).PostRawAsync("/api/offset-orders", body, contentType);
        var json = await response.ReadJsonAsync(HttpStatusCode.BadRequest);
        Assert.StartsWith("tons", json["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1/orders")]
    [InlineData("/v1/quotes")]
    public async Task CnaughtAmountFarTooLargeIs400(string url)
    {
        var account = await app.CreateAccountAsync();
        await app.Admin().PatchJsonAsync($"/admin/accounts/{account.Id}", new { billing = "invoice" });
        var response = await app.WithBearer(account.LiveToken).PostRawAsync(url, """{"amount_kg": 1e27}""");
        var problem = await response.ReadJsonAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["amount_kg"]);
    }

    [Fact]
    public async Task PortfolioFractionsFarTooLargeAre400()
    {
        var a = (await app.CreateProjectAsync())["id"]!.GetValue<string>();
        var b = (await app.CreateProjectAsync())["id"]!.GetValue<string>();
        var body = $$"""{"name": "Huge", "allocations": [{"project_id": "{{a}}", "fraction": 7e28}, {"project_id": "{{b}}", "fraction": 7e28}]}""";
        var response = await app.Admin().PostRawAsync("/admin/portfolios", body);
        var problem = await response.ReadJsonAsync(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["allocations[0].fraction"]);
    }

    [Fact]
    public async Task AMultipartBodyIs415WithAMessage()
    {
        var account = await app.CreateAccountAsync(creditsUsdCents: 1_000);
        var content = new ByteArrayContent("garbage"u8.ToArray());
        content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=xyz");
        var response = await app.WithBasic(account.LiveToken).PostAsync("/api/offset-orders", content, Ct);
        var json = await response.ReadJsonAsync(HttpStatusCode.UnsupportedMediaType);
        Assert.Equal(["message"], json.Keys());
    }
}

public sealed class HugeNumberTestsOnSqlite(SqliteApp app) : HugeNumberTests(app), IClassFixture<SqliteApp>;

public sealed class HugeNumberTestsOnPostgres(PostgresApp app) : HugeNumberTests(app), IClassFixture<PostgresApp>;
