using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Wren;

public abstract class WrenProjectOrderTests(CanopyApp app)
{
    private const string Url = "/api/project-orders";

    [Fact]
    public async Task OffsetProjectOrderByCardReportsImpactTons()
    {
        var project = await app.CreateProjectAsync(3_000);
        var account = await app.CreateAccountAsync();
        await app.GiveCardAsync(account.Id);

        var body = await (await app.WithBasic(account.LiveToken).PostJsonAsync(Url, new { projectId = project.WrenId(), amountInUsdCents = 1_000 }))
            .ReadJsonAsync(HttpStatusCode.OK);

        Assert.Equal(["amountCharged", "amountInUsdCents", "currency", "dryRun", "id", "impact", "projectId", "tons"], body.Keys());
        Assert.StartsWith("ch_", body["id"].Str(), StringComparison.Ordinal);
        Assert.Equal(["tons"], body["impact"].Keys());
        // The most carbon $10 buys at $30/t: 333 333 g (333 334 g would cost 1001 cents).
        Assert.Equal(0.333333m, body["impact"]!["tons"].Dec());
        Assert.Equal(0.333333m, body["tons"].Dec());
        Assert.Equal(1_000, body["amountCharged"].Long());
        Assert.Equal(project.WrenId(), body["projectId"].Long());

        var list = await app.WithBasic(account.LiveToken).GetJsonAsync("/api/offset-orders");
        var row = Assert.Single(list["offsetOrders"]!.AsArray());
        Assert.Equal(body["id"].Str(), row!["order_id"].Str());
        Assert.Equal(project.WrenId(), row["project_id"].Long());
        Assert.Null(row["portfolio_id"]);
    }

    [Fact]
    public async Task OffsetProjectOrderByCreditsAnswersWithUuidAndCreditsRemaining()
    {
        var project = await app.CreateProjectAsync(2_000);
        var account = await app.CreateAccountAsync(creditsUsdCents: 5_000);

        var body = await (await app.WithBasic(account.LiveToken).PostJsonAsync(Url, new { projectId = project.WrenId(), amountInUsdCents = 1_000, paymentMethod = "credits" }))
            .ReadJsonAsync(HttpStatusCode.OK);

        Assert.Equal(["amountCharged", "amountInUsdCents", "creditsRemaining", "currency", "dryRun", "id", "impact", "paymentMethod", "projectId", "tons"], body.Keys());
        Assert.True(Guid.TryParse(body["id"].Str(), out _));
        Assert.Equal(0.5m, body["impact"]!["tons"].Dec());
        Assert.Equal(4_000, body["creditsRemaining"].Long());
        Assert.Equal(4_000, await app.CreditsAsync(account.Id));
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task DonationProjectOrderHasNoImpactTons()
    {
        var project = await app.CreateProjectAsync(5_000, kind: "donation", certified: false);
        var account = await app.CreateAccountAsync();
        await app.GiveCardAsync(account.Id);

        var body = await (await app.WithBasic(account.LiveToken).PostJsonAsync(Url, new { projectId = project.WrenId(), amountInUsdCents = 2_500 }))
            .ReadJsonAsync(HttpStatusCode.OK);

        Assert.Equal(["amountCharged", "amountInUsdCents", "currency", "donation", "dryRun", "id", "projectId"], body.Keys());
        Assert.True(body["donation"]!.GetValue<bool>());
        Assert.Equal(2_500, body["amountCharged"].Long());
        Assert.StartsWith("ch_", body["id"].Str(), StringComparison.Ordinal);

        // A donation is not an offset: Wren's offset list does not show it and the account's tonnes stay at zero.
        var list = await app.WithBasic(account.LiveToken).GetJsonAsync("/api/offset-orders");
        Assert.Empty(list["offsetOrders"]!.AsArray());
        Assert.Empty(list["uncertifiedOffsetOrders"]!.AsArray());
        Assert.Equal(0m, list["stats"]!["totalTons"].Dec());
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task FormBodyAnswersExactlyAsJson()
    {
        var project = await app.CreateProjectAsync(1_234);
        var account = await app.CreateAccountAsync(creditsUsdCents: 10_000);
        var client = app.WithBasic(account.LiveToken);
        var id = project.WrenId().ToString(CultureInfo.InvariantCulture);

        var json = await (await client.PostJsonAsync(Url, new { projectId = project.WrenId(), amountInUsdCents = 777, paymentMethod = "credits", dryRun = true }))
            .ReadJsonAsync(HttpStatusCode.OK);
        var form = await (await client.PostFormAsync(Url, ("projectId", id), ("amountInUsdCents", "777"), ("paymentMethod", "credits"), ("dryRun", "true")))
            .ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(json.ToJsonString(), form.ToJsonString());
        Assert.Null(form["id"]);

        var placed = await (await client.PostFormAsync(Url, ("projectId", id), ("amountInUsdCents", "777"), ("paymentMethod", "credits")))
            .ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(json["amountCharged"].Long(), placed["amountCharged"].Long());
        Assert.Equal(json["creditsRemaining"].Long(), placed["creditsRemaining"].Long());
        Assert.True(Guid.TryParse(placed["id"].Str(), out _));
    }

    [Fact]
    public async Task TreeProjectIs400PointingToTreeOrders()
    {
        var project = await app.CreateProjectAsync(150, kind: "tree");
        var account = await app.CreateAccountAsync(creditsUsdCents: 10_000);
        var before = await app.FootprintAsync(account.Id);
        var message = await (await app.WithBasic(account.LiveToken).PostJsonAsync(Url, new { projectId = project.WrenId(), amountInUsdCents = 1_000, paymentMethod = "credits" }))
            .ReadWrenErrorAsync(HttpStatusCode.BadRequest);
        Assert.Contains("/api/tree-orders", message, StringComparison.Ordinal);
        Assert.Equal(before, await app.FootprintAsync(account.Id));
    }

    [Fact]
    public async Task UnknownOrInactiveProjectIs400()
    {
        var project = await app.CreateProjectAsync(1_000);
        var response = await app.Admin().PatchAsJsonAsync($"/admin/projects/{project.PublicId()}", new { active = false }, TestContext.Current.CancellationToken);
        await response.ReadJsonAsync(HttpStatusCode.OK);
        var account = await app.CreateAccountAsync(creditsUsdCents: 10_000);
        var client = app.WithBasic(account.LiveToken);
        var before = await app.FootprintAsync(account.Id);

        var inactive = await (await client.PostJsonAsync(Url, new { projectId = project.WrenId(), amountInUsdCents = 1_000, paymentMethod = "credits" }))
            .ReadWrenErrorAsync(HttpStatusCode.BadRequest);
        Assert.Contains("projectId", inactive, StringComparison.Ordinal);
        var unknown = await (await client.PostJsonAsync(Url, new { projectId = 987_654_321, amountInUsdCents = 1_000, paymentMethod = "credits" }))
            .ReadWrenErrorAsync(HttpStatusCode.BadRequest);
        Assert.Contains("projectId", unknown, StringComparison.Ordinal);
        Assert.Equal(before, await app.FootprintAsync(account.Id));
    }

    [Theory]
    [InlineData(99, "credits")]
    [InlineData(99, "stripe")]
    [InlineData(0, "credits")]
    [InlineData(-100, "credits")]
    public async Task AmountBelowOneDollarIs400WhateverThePaymentMethod(long cents, string paymentMethod)
    {
        var project = await app.CreateProjectAsync(1_000);
        var account = await app.CreateAccountAsync(creditsUsdCents: 10_000);
        await app.GiveCardAsync(account.Id);
        var before = await app.FootprintAsync(account.Id);
        var message = await (await app.WithBasic(account.LiveToken).PostJsonAsync(Url, new { projectId = project.WrenId(), amountInUsdCents = cents, paymentMethod }))
            .ReadWrenErrorAsync(HttpStatusCode.BadRequest);
        Assert.Contains("amountInUsdCents", message, StringComparison.Ordinal);
        Assert.Equal(before, await app.FootprintAsync(account.Id));
    }

    [Fact]
    public async Task DeclinedCardIs402AndWritesNothing()
    {
        var project = await app.CreateProjectAsync(1_000);
        var account = await app.CreateAccountAsync();
        await app.GiveCardAsync(account.Id);
        var before = await app.FootprintAsync(account.Id);
        // A donation's charge is exactly the amount: 10402 ends in 0402.
        var donation = await app.CreateProjectAsync(1_000, kind: "donation", certified: false);
        await (await app.WithBasic(account.LiveToken).PostJsonAsync(Url, new { projectId = donation.WrenId(), amountInUsdCents = 10_402 }))
            .ReadWrenErrorAsync(HttpStatusCode.PaymentRequired);
        Assert.Equal(before, await app.FootprintAsync(account.Id));
        Assert.Equal(HttpStatusCode.OK, (await app.WithBasic(account.LiveToken).PostJsonAsync(Url, new { projectId = project.WrenId(), amountInUsdCents = 10_000 })).StatusCode);
    }

    [Fact]
    public async Task CardProjectOrderInEuroIsChargedAtTheOperatorsRate()
    {
        await app.SetFxRateAsync("EUR", 0.92m);
        var donation = await app.CreateProjectAsync(1_000, kind: "donation", certified: false);
        var account = await app.CreateAccountAsync(new { name = "Euro Co " + TestData.NewId(), currency = "EUR" });
        await app.GiveCardAsync(account.Id);
        var body = await (await app.WithBasic(account.LiveToken).PostJsonAsync(Url, new { projectId = donation.WrenId(), amountInUsdCents = 1_001 }))
            .ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("EUR", body["currency"].Str());
        Assert.Equal(921, body["amountCharged"].Long()); // ceil(1001 × 0.92) = ceil(920.92)
        Assert.Equal(1_001, body["amountInUsdCents"].Long());
    }
}

public sealed class WrenProjectOrderTestsOnSqlite(SqliteApp app) : WrenProjectOrderTests(app), IClassFixture<SqliteApp>;

public sealed class WrenProjectOrderTestsOnPostgres(PostgresApp app) : WrenProjectOrderTests(app), IClassFixture<PostgresApp>;
