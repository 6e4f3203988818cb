using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Canopy.Data;
using Canopy.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Tests.Wren;

public abstract class WrenOffsetOrderTests(CanopyApp app)
{
    private const string Url = "/api/offset-orders";

    [Fact]
    public async Task CreditsOrderAnswersWithUuidPaymentMethodAndCreditsRemaining()
    {
        var (portfolio, _) = await app.SingleProjectPortfolioAsync(2_000);
        var account = await app.CreateAccountAsync(creditsUsdCents: 10_000);

        var body = await (await app.WithBasic(account.LiveToken).PostJsonAsync(Url, new { tons = 0.5m, portfolioId = portfolio, paymentMethod = "credits" }))
            .ReadJsonAsync(HttpStatusCode.OK);

        Assert.Equal(["amountCharged", "amountInUsdCents", "creditsRemaining", "currency", "dryRun", "id", "paymentMethod", "portfolioId", "tons"], body.Keys());
        Assert.True(Guid.TryParse(body["id"].Str(), out _), body["id"].Str());
        Assert.Equal("credits", body["paymentMethod"].Str());
        Assert.Equal(1_000, body["amountCharged"].Long());
        Assert.Equal(1_000, body["amountInUsdCents"].Long());
        Assert.Equal("USD", body["currency"].Str());
        Assert.Equal(0.5m, body["tons"].Dec());
        Assert.Equal(portfolio, body["portfolioId"].Long());
        Assert.False(body["dryRun"]!.GetValue<bool>());
        Assert.Equal(9_000, body["creditsRemaining"].Long());
        Assert.Equal(9_000, await app.CreditsAsync(account.Id));
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task CardOrderAnswersWithChargeIdAndNoCreditsFields()
    {
        var (portfolio, _) = await app.SingleProjectPortfolioAsync(2_000);
        var account = await app.CreateAccountAsync();
        await app.GiveCardAsync(account.Id);

        var body = await (await app.WithBearer(account.LiveToken).PostJsonAsync(Url, new { tons = 1.25m, portfolioId = portfolio, note = "hello" }))
            .ReadJsonAsync(HttpStatusCode.OK);

        Assert.Equal(["amountCharged", "amountInUsdCents", "currency", "dryRun", "id", "note", "portfolioId", "tons"], body.Keys());
        Assert.StartsWith("ch_", body["id"].Str(), StringComparison.Ordinal);
        Assert.Equal(2_500, body["amountCharged"].Long());
        Assert.Equal("hello", body["note"].Str());

        var stored = await OrderByReferenceAsync(body["id"].Str());
        Assert.Equal(Canopy.Ordering.PaymentMethod.Card, stored.PaymentMethod);
        Assert.Equal(1_250_000, stored.Grams);
        Assert.Equal(2_500, stored.PriceUsdCents);
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task FormBodyCoercesStringsAndAnswersExactlyAsJson()
    {
        var (portfolio, _) = await app.SingleProjectPortfolioAsync(1_999);
        var account = await app.CreateAccountAsync(creditsUsdCents: 50_000);
        var client = app.WithBasic(account.LiveToken);

        var json = await (await client.PostJsonAsync(Url, new { tons = 0.5m, portfolioId = portfolio, paymentMethod = "credits", dryRun = true, note = "n" }))
            .ReadJsonAsync(HttpStatusCode.OK);
        var form = await (await client.PostFormAsync(Url, ("tons", "0.5"), ("portfolioId", portfolio.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("paymentMethod", "credits"), ("dryRun", "true"), ("note", "n"))).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(json.ToJsonString(), form.ToJsonString());
        Assert.True(form["dryRun"]!.GetValue<bool>());
        Assert.Null(form["id"]);

        // A real order by form post has the same shape as one by JSON.
        var placed = await (await client.PostFormAsync(Url, ("tons", "0.5"), ("portfolioId", portfolio.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("paymentMethod", "credits"), ("dryRun", "false"))).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(["amountCharged", "amountInUsdCents", "creditsRemaining", "currency", "dryRun", "id", "paymentMethod", "portfolioId", "tons"], placed.Keys());
        Assert.Equal(1_000, placed["amountCharged"].Long()); // ceil(0.5 × 1999) = 1000
        Assert.Equal(49_000, placed["creditsRemaining"].Long());
    }

    [Fact]
    public async Task JsonWithByteOrderMarkIsAccepted()
    {
        var (portfolio, _) = await app.SingleProjectPortfolioAsync(1_000);
        var account = await app.CreateAccountAsync(creditsUsdCents: 5_000);
        var json = $$"""{"tons":1,"portfolioId":{{portfolio}},"paymentMethod":"credits","dryRun":true}""";
        using var content = new ByteArrayContent([0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes(json)]);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        var response = await app.WithBasic(account.LiveToken).PostAsync(Url, content, TestContext.Current.CancellationToken);
        var body = await response.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(1_000, body["amountCharged"].Long());
    }

    [Fact]
    public async Task ReceiptEmailIsQueuedWithTheOrderOnlyWhenAsked()
    {
        var (portfolio, _) = await app.SingleProjectPortfolioAsync(1_000);
        var account = await app.CreateAccountAsync(creditsUsdCents: 5_000);
        var client = app.WithBasic(account.LiveToken);
        var asked = await (await client.PostFormAsync(Url, ("tons", "1"), ("portfolioId", portfolio.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            ("paymentMethod", "credits"), ("sendReceiptEmail", "true"))).ReadJsonAsync(HttpStatusCode.OK);
        var silent = await (await client.PostJsonAsync(Url, new { tons = 1, portfolioId = portfolio, paymentMethod = "credits" })).ReadJsonAsync(HttpStatusCode.OK);

        Assert.Equal(["email.receipt", "order.fulfil"], await TopicsAsync(asked["id"].Str()));
        Assert.Equal(["order.fulfil"], await TopicsAsync(silent["id"].Str()));
    }

    [Fact]
    public async Task OrderWithoutPortfolioUsesTheAccountsDefaultPortfolio()
    {
        var project = await app.CreateProjectAsync(3_000);
        var portfolio = await app.CreatePortfolioAsync((project.PublicId(), 1m));
        var account = await app.CreateAccountAsync(new { name = "Default Co " + TestData.NewId(), default_portfolio_id = portfolio.PublicId() }, creditsUsdCents: 5_000);

        var body = await (await app.WithBasic(account.LiveToken).PostJsonAsync(Url, new { tons = 1, paymentMethod = "credits" })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(portfolio.WrenId(), body["portfolioId"].Long());
        Assert.Equal(3_000, body["amountCharged"].Long());
    }

    [Fact]
    public async Task RetiredPortfolioIs400AndAnInactiveAccountDefaultIsNotUsed()
    {
        var project = await app.CreateProjectAsync(1_000);
        var portfolio = await app.CreatePortfolioAsync((project.PublicId(), 1m));
        var account = await app.CreateAccountAsync(new { name = "Retired Co " + TestData.NewId(), default_portfolio_id = portfolio.PublicId() }, creditsUsdCents: 5_000);
        var response = await app.Admin().PatchAsJsonAsync($"/admin/portfolios/{portfolio.PublicId()}", new { active = false }, TestContext.Current.CancellationToken);
        await response.ReadJsonAsync(HttpStatusCode.OK);
        var client = app.WithBasic(account.LiveToken);
        var before = await app.FootprintAsync(account.Id);

        var named = await (await client.PostJsonAsync(Url, new { tons = 1, portfolioId = portfolio.WrenId(), paymentMethod = "credits" })).ReadWrenErrorAsync(HttpStatusCode.BadRequest);
        Assert.Contains("portfolioId", named, StringComparison.Ordinal);
        // No test of this class makes a catalogue default, so with the account's own default retired there is none.
        var unnamed = await (await client.PostJsonAsync(Url, new { tons = 1, paymentMethod = "credits" })).ReadWrenErrorAsync(HttpStatusCode.BadRequest);
        Assert.Contains("portfolioId", unnamed, StringComparison.Ordinal);
        Assert.Equal(before, await app.FootprintAsync(account.Id));
    }

    [Theory]
    [InlineData("JPY", 151.5, 1_001, 1_517)]    // no minor unit: ceil(10.01 × 151.5) = ceil(1516.515)
    [InlineData("KWD", 0.307, 1_001, 3_074)]    // three decimals: ceil(10.01 × 0.307 × 1000) = ceil(3073.07)
    public async Task CardChargeUsesTheCurrencysMinorUnit(string currency, double rate, long usdCents, long expected)
    {
        await app.SetFxRateAsync(currency, (decimal)rate);
        var (portfolio, _) = await app.SingleProjectPortfolioAsync(usdCents);
        var account = await app.CreateAccountAsync(new { name = "FX Co " + TestData.NewId(), currency });
        await app.GiveCardAsync(account.Id);
        var body = await (await app.WithBasic(account.LiveToken).PostJsonAsync(Url, new { tons = 1, portfolioId = portfolio })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(currency, body["currency"].Str());
        Assert.Equal(expected, body["amountCharged"].Long());
        Assert.Equal(usdCents, body["amountInUsdCents"].Long());
    }

    [Fact]
    public async Task PriceIsRoundedUpOnceAndAllocationsSumExactlyToTheOrder()
    {
        long[] rates = [1_234, 5_678, 9_999];
        var projects = new List<JsonObject>();
        foreach (var rate in rates) projects.Add(await app.CreateProjectAsync(rate));
        var portfolio = await app.CreatePortfolioAsync((projects[0].PublicId(), 0.333333m), (projects[1].PublicId(), 0.333333m), (projects[2].PublicId(), 0.333334m));
        var account = await app.CreateAccountAsync(creditsUsdCents: 100_000);
        var client = app.WithBasic(account.LiveToken);

        foreach (var grams in new long[] { 1_001, 7, 123_457, 2_000_003 })
        {
            var tons = grams / 1_000_000m;
            var gramParts = WrenKit.SplitLargestRemainder(grams, [333_333, 333_333, 333_334]);
            var exact = gramParts.Zip(rates, (g, r) => (Int128)g * r).Aggregate((Int128)0, (a, b) => a + b);
            var expectedCents = (long)((exact + 999_999) / 1_000_000);
            var roundedEachPart = gramParts.Zip(rates, (g, r) => ((Int128)g * r + 999_999) / 1_000_000).Aggregate((Int128)0, (a, b) => a + b);
            if (grams == 1_001) Assert.NotEqual(expectedCents, (long)roundedEachPart); // this case tells "once per order" from "once per part"

            var body = await (await client.PostJsonAsync(Url, new { tons, portfolioId = portfolio.WrenId(), paymentMethod = "credits" })).ReadJsonAsync(HttpStatusCode.OK);
            Assert.Equal(expectedCents, body["amountCharged"].Long());
            Assert.Equal(expectedCents, body["amountInUsdCents"].Long());
            Assert.Equal(tons, body["tons"].Dec());

            var order = await OrderByReferenceAsync(body["id"].Str());
            Assert.Equal(grams, order.Grams);
            Assert.Equal(expectedCents, order.PriceUsdCents);
            Assert.Equal(grams, order.Allocations.Sum(a => a.Grams));
            Assert.Equal(expectedCents, order.Allocations.Sum(a => a.PriceUsdCents));
            Assert.All(order.Allocations, a => Assert.Equal(gramParts[Array.IndexOf(projects.Select(p => p.WrenId()).ToArray(), a.ProjectId)], a.Grams));

            // The same sums through Wren's list: one row per project of the order.
            var list = await client.GetJsonAsync(Url);
            var rows = list["offsetOrders"]!.AsArray().Where(r => r!["order_id"].Str() == body["id"].Str()).ToList();
            Assert.Equal(order.Allocations.Count(a => a.Grams > 0), rows.Count);
            Assert.Equal(tons, rows.Sum(r => r!["tons"].Dec()));
            Assert.Equal(expectedCents, rows.Sum(r => r!["amount_paid_by_customer"].Dec()));
        }
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task DryRunWritesNothingAndReturnsNullId()
    {
        var (portfolio, _) = await app.SingleProjectPortfolioAsync(1_000);
        var account = await app.CreateAccountAsync(creditsUsdCents: 10_000);
        await app.GiveCardAsync(account.Id);
        var client = app.WithBasic(account.LiveToken);
        var before = await app.FootprintAsync(account.Id);

        var credits = await (await client.PostJsonAsync(Url, new { tons = 2, portfolioId = portfolio, paymentMethod = "credits", dryRun = true })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.True(credits.ContainsKey("id"));
        Assert.Null(credits["id"]);
        Assert.True(credits["dryRun"]!.GetValue<bool>());
        Assert.Equal(2_000, credits["amountCharged"].Long());
        Assert.Equal(8_000, credits["creditsRemaining"].Long());

        var card = await (await client.PostJsonAsync(Url, new { tons = 2, portfolioId = portfolio, dryRun = true, sendReceiptEmail = true })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Null(card["id"]);
        Assert.Equal(["amountCharged", "amountInUsdCents", "currency", "dryRun", "id", "portfolioId", "tons"], card.Keys());

        Assert.Equal(before, await app.FootprintAsync(account.Id));
        Assert.Equal(10_000, await app.CreditsAsync(account.Id));
    }

    [Fact]
    public async Task CardOrderBelowOneDollarIs400WithAHintToUseCredits()
    {
        var (portfolio, _) = await app.SingleProjectPortfolioAsync(1_000);
        var account = await app.CreateAccountAsync(creditsUsdCents: 1_000);
        await app.GiveCardAsync(account.Id);
        var client = app.WithBasic(account.LiveToken);
        var before = await app.FootprintAsync(account.Id);

        // 0.099 t × $10 = 99 cents.
        var message = await (await client.PostJsonAsync(Url, new { tons = 0.099m, portfolioId = portfolio })).ReadWrenErrorAsync(HttpStatusCode.BadRequest);
        Assert.Contains("credits", message, StringComparison.Ordinal);
        Assert.Equal(before, await app.FootprintAsync(account.Id));

        var ok = await (await client.PostJsonAsync(Url, new { tons = 0.099m, portfolioId = portfolio, paymentMethod = "credits" })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(99, ok["amountCharged"].Long());
        Assert.Equal(901, ok["creditsRemaining"].Long());

        // Exactly 100 cents is allowed by card.
        var hundred = await (await client.PostJsonAsync(Url, new { tons = 0.1m, portfolioId = portfolio })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.StartsWith("ch_", hundred["id"].Str(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreditsOrderOfOneGramIsAccepted()
    {
        var (portfolio, _) = await app.SingleProjectPortfolioAsync(1_000);
        var account = await app.CreateAccountAsync(creditsUsdCents: 5);
        var body = await (await app.WithBasic(account.LiveToken).PostJsonAsync(Url, new { tons = 0.000001m, portfolioId = portfolio, paymentMethod = "credits" }))
            .ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(1, body["amountCharged"].Long()); // 0.001 cents rounds up to one
        Assert.Equal(0.000001m, body["tons"].Dec());
        Assert.Equal(4, body["creditsRemaining"].Long());
    }

    [Fact]
    public async Task CardOrderWithoutCardOnFileIs403AndWritesNothing()
    {
        var (portfolio, _) = await app.SingleProjectPortfolioAsync(1_000);
        var account = await app.CreateAccountAsync();
        var before = await app.FootprintAsync(account.Id);
        var message = await (await app.WithBasic(account.LiveToken).PostJsonAsync(Url, new { tons = 1, portfolioId = portfolio, paymentMethod = "stripe" }))
            .ReadWrenErrorAsync(HttpStatusCode.Forbidden);
        Assert.Contains("credits", message, StringComparison.Ordinal);
        Assert.Equal(before, await app.FootprintAsync(account.Id));
    }

    [Theory]
    [InlineData("pm_card_chargeDeclined", 1_000)]
    [InlineData("pm_card_visa", 10_402)]
    [InlineData("pm_card_visa", 20_051)]
    public async Task DeclinedCardIs402AndWritesNothing(string paymentMethod, long cents)
    {
        var (portfolio, _) = await app.SingleProjectPortfolioAsync(cents);
        var account = await app.CreateAccountAsync();
        await app.GiveCardAsync(account.Id, paymentMethod);
        var before = await app.FootprintAsync(account.Id);

        await (await app.WithBasic(account.LiveToken).PostJsonAsync(Url, new { tons = 1, portfolioId = portfolio })).ReadWrenErrorAsync(HttpStatusCode.PaymentRequired);

        Assert.Equal(before, await app.FootprintAsync(account.Id));
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task CardOrderInEuroIsChargedAtTheOperatorsRateRoundedUp()
    {
        await app.SetFxRateAsync("EUR", 0.92m);
        var (portfolio, _) = await app.SingleProjectPortfolioAsync(1_001);
        var account = await app.CreateAccountAsync(new { name = "Euro Co " + TestData.NewId(), currency = "EUR" }, creditsUsdCents: 10_000);
        await app.GiveCardAsync(account.Id);
        var client = app.WithBasic(account.LiveToken);

        // 3 t × 1001 = 3003 USD cents → ceil(3003 × 0.92) = ceil(2762.76) = 2763 euro cents.
        var card = await (await client.PostJsonAsync(Url, new { tons = 3, portfolioId = portfolio })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("EUR", card["currency"].Str());
        Assert.Equal(2_763, card["amountCharged"].Long());
        Assert.Equal(3_003, card["amountInUsdCents"].Long());
        var stored = await OrderByReferenceAsync(card["id"].Str());
        Assert.Equal("EUR", stored.ChargeCurrency);
        Assert.Equal(2_763, stored.AmountCharged);
        Assert.Equal(3_003, stored.PriceUsdCents);

        // Credits are USD whatever the account's currency.
        var credits = await (await client.PostJsonAsync(Url, new { tons = 3, portfolioId = portfolio, paymentMethod = "credits" })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("USD", credits["currency"].Str());
        Assert.Equal(3_003, credits["amountCharged"].Long());
        Assert.Equal(6_997, credits["creditsRemaining"].Long());
        await app.AssertLedgerSoundAsync();
    }

    [Fact]
    public async Task CardOrderInACurrencyWithoutRateIs400AndWritesNothing()
    {
        // No test sets a rate for the Icelandic króna.
        var (portfolio, _) = await app.SingleProjectPortfolioAsync(1_000);
        var account = await app.CreateAccountAsync(new { name = "Krona Co " + TestData.NewId(), currency = "ISK" }, creditsUsdCents: 5_000);
        await app.GiveCardAsync(account.Id);
        var before = await app.FootprintAsync(account.Id);

        var message = await (await app.WithBasic(account.LiveToken).PostJsonAsync(Url, new { tons = 1, portfolioId = portfolio })).ReadWrenErrorAsync(HttpStatusCode.BadRequest);
        Assert.Contains("ISK", message, StringComparison.Ordinal);
        Assert.Equal(before, await app.FootprintAsync(account.Id));

        var credits = await (await app.WithBasic(account.LiveToken).PostJsonAsync(Url, new { tons = 1, portfolioId = portfolio, paymentMethod = "credits" }))
            .ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("USD", credits["currency"].Str());
    }

    [Fact]
    public async Task OrderTooLargeToChargeIs400AndWritesNothing()
    {
        // The largest order validation lets through: 10 million tonnes at $1M a tonne, charged in a three-decimal currency
        // at the highest rate the operator may set. Its amount in fils does not fit in 64 bits.
        await app.SetFxRateAsync("BHD", 1_000_000m);
        var (portfolio, _) = await app.SingleProjectPortfolioAsync(100_000_000);
        var account = await app.CreateAccountAsync(new { name = "Huge Co " + TestData.NewId(), currency = "BHD" });
        await app.GiveCardAsync(account.Id);
        var before = await app.FootprintAsync(account.Id);

        var response = await app.WithBasic(account.LiveToken).PostJsonAsync(Url, new { tons = 10_000_000, portfolioId = portfolio });
        await response.ReadWrenErrorAsync(HttpStatusCode.BadRequest);
        Assert.Equal(before, await app.FootprintAsync(account.Id));
    }

    [Fact]
    public async Task InsufficientCreditsIs400AsWrensPagesSayAndWritesNothing()
    {
        var (portfolio, _) = await app.SingleProjectPortfolioAsync(1_000);
        var account = await app.CreateAccountAsync(creditsUsdCents: 999);
        var client = app.WithBasic(account.LiveToken);
        var before = await app.FootprintAsync(account.Id);

        await (await client.PostJsonAsync(Url, new { tons = 1, portfolioId = portfolio, paymentMethod = "credits" })).ReadWrenErrorAsync(HttpStatusCode.BadRequest);
        await (await client.PostJsonAsync(Url, new { tons = 1, portfolioId = portfolio, paymentMethod = "credits", dryRun = true })).ReadWrenErrorAsync(HttpStatusCode.BadRequest);
        Assert.Equal(before, await app.FootprintAsync(account.Id));
        Assert.Equal(999, await app.CreditsAsync(account.Id));

        // An account that never had credits.
        var empty = await app.CreateAccountAsync();
        await (await app.WithBasic(empty.LiveToken).PostJsonAsync(Url, new { tons = 0.001m, portfolioId = portfolio, paymentMethod = "credits" }))
            .ReadWrenErrorAsync(HttpStatusCode.BadRequest);
        await app.AssertLedgerSoundAsync();
    }

    private async Task<string[]> TopicsAsync(string reference)
    {
        var order = await OrderByReferenceAsync(reference);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        var topics = await db.OutboxMessages.Where(m => m.Subject == order.PublicId).Select(m => m.Topic).ToListAsync(TestContext.Current.CancellationToken);
        return [.. topics.Order(StringComparer.Ordinal)];
    }

    private async Task<Canopy.Ordering.Order> OrderByReferenceAsync(string reference)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        return await db.Orders.AsNoTracking().Include(o => o.Allocations).SingleAsync(o => o.PaymentReference == reference, TestContext.Current.CancellationToken);
    }
}

public sealed class WrenOffsetOrderTestsOnSqlite(SqliteApp app) : WrenOffsetOrderTests(app), IClassFixture<SqliteApp>;

public sealed class WrenOffsetOrderTestsOnPostgres(PostgresApp app) : WrenOffsetOrderTests(app), IClassFixture<PostgresApp>;
