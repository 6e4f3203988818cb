using System.Net;
using System.Text;
using Canopy.Data;
using Canopy.Notifications;
using Canopy.Tests.Cnaught;
using Canopy.Tests.Infrastructure;
using Canopy.Tests.Notifications;
using Canopy.Tests.Wren;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Canopy.Tests.Pages;

/// <summary>
/// A portfolio like the demo's default: 90 % an offset project, 10 % a donation ("Climate policy advocacy"). A 250 kg
/// order is 225 kg of credits and a 0.25 USD donation (25 kg at 10.00 USD/t): every place that reports it — the
/// certificate (page and PDF), the impact page, CNaught's impact data, the public feed, the receipt e-mail and Wren's
/// stats — counts 225 kg, and shows the donation as money, never as CO₂e. Serial numbers print as a registry's.
/// </summary>
public abstract class DonationsAsMoneyTests(SmtpApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private sealed record Setup(TestAccount Account, string Name, string Prefix, string PolicyCategory, string PolicyProject, string OffsetProject, string PortfolioId, long PortfolioWrenId);

    private async Task<Setup> SetupAsync(string? email = null)
    {
        var admin = app.Admin();
        var id = TestData.NewId();
        var policyCategory = "Policy and advocacy " + id;
        var policy = await admin.PostJsonAsync("/admin/project-categories", new { id = TestData.NewId("c"), name = policyCategory }, HttpStatusCode.Created);
        var removal = await admin.PostJsonAsync("/admin/project-categories", new { id = TestData.NewId("c"), name = "Removal " + id }, HttpStatusCode.Created);
        var donation = await admin.PostJsonAsync("/admin/projects", new
        {
            id = TestData.NewId("p"), name = "Climate policy advocacy " + id, kind = "donation", cost_per_ton_usd_cents = 1_000,
            category_id = policy["id"]!.GetValue<string>(),
        }, HttpStatusCode.Created);
        var offset = await app.CreateProjectAsync(10_000, categoryId: removal["id"]!.GetValue<string>());
        // The demo's batches end their prefix with a hyphen ("VCS-2023-"), which used to print as "VCS-2023--1-…".
        var prefix = $"VCS-{id}-2023-";
        await app.AddBatchAsync(offset.PublicId(), 2023, 1_000, prefix, "https://registry.example/" + id);
        var portfolio = await app.CreatePortfolioAsync((offset.PublicId(), 0.9m), (donation.PublicId(), 0.1m));
        var name = "Donor " + id;
        var account = await app.CreateAccountAsync(new { name, email = email ?? $"{id}@donor.example" }, creditsUsdCents: 100_000);
        await admin.PatchJsonAsync($"/admin/accounts/{account.Id}", new { billing = "invoice", default_portfolio_id = portfolio.PublicId(), public_feed_opt_in = true });
        return new Setup(account, name, prefix, policyCategory, donation["name"]!.GetValue<string>(), offset["name"]!.GetValue<string>(), portfolio.PublicId(), portfolio.WrenId());
    }

    private async Task<(Setup Setup, string CertificatePath)> FulfilledCnaughtOrderAsync()
    {
        var s = await SetupAsync();
        var order = await app.WithBearer(s.Account.LiveToken).PlaceOrderAsync(new { amount_kg = 250 });
        await app.DrainOutboxAsync();
        Assert.Equal("fulfilled", (await app.WithBearer(s.Account.LiveToken).GetJsonAsync($"/v1/orders/{order["id"]}"))["state"]!.GetValue<string>());
        return (s, PageKit.PathOf(order["certificate_public_url"]!.GetValue<string>()));
    }

    [Fact]
    public async Task TheCertificateCountsTheCreditsAndShowsTheDonationAsMoneyWithRegistrySerials()
    {
        var (s, path) = await FulfilledCnaughtOrderAsync();
        var (_, encoded) = await app.GetPageAsync(path);
        var html = WebUtility.HtmlDecode(encoded);
        Assert.Contains("<p class=\"quantity\">225 kg CO₂e</p>", html, StringComparison.Ordinal);
        Assert.Contains("and a donation of 0.25 USD", html, StringComparison.Ordinal);
        Assert.DoesNotContain("250 kg", html, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?<![0-9.])25 kg", html);
        Assert.Contains(s.PolicyProject, html, StringComparison.Ordinal);
        Assert.Contains(">0.25 USD donated<", html, StringComparison.Ordinal);
        Assert.Contains(">225 kg<", html, StringComparison.Ordinal);
        Assert.Contains("Not applicable: a donation, not credits", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Pending retirement", html, StringComparison.Ordinal);
        Assert.Contains($"{s.Prefix}1 – {s.Prefix}225000", html, StringComparison.Ordinal);
        Assert.DoesNotContain("--", html.Replace("<!--", "", StringComparison.Ordinal).Replace("-->", "", StringComparison.Ordinal), StringComparison.Ordinal);

        var text = PageKit.PdfText(await app.Anonymous().GetByteArrayAsync(path + ".pdf", Ct));
        Assert.Contains("225 kg CO2e", text, StringComparison.Ordinal);
        Assert.Contains("and a donation of 0.25 USD", text, StringComparison.Ordinal);
        Assert.Contains("0.25 USD donated", text, StringComparison.Ordinal);
        Assert.DoesNotContain("250 kg", text, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?<![0-9.])25 kg", text);
        Assert.Contains($"serial numbers {s.Prefix}1 ", text, StringComparison.Ordinal);
        Assert.Contains($" {s.Prefix}225000 (225 kg", text, StringComparison.Ordinal);
        Assert.DoesNotContain("--", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImpactPageAndImpactDataCountOnlyCreditsAndShowTheDonationAsMoney()
    {
        var (s, _) = await FulfilledCnaughtOrderAsync();
        var client = app.WithBearer(s.Account.LiveToken);
        var config = await client.GetJsonAsync("/v1/impact/hosted-page-config");
        var (_, encoded) = await app.GetPageAsync(PageKit.PathOf(config["url"]!.GetValue<string>()));
        var html = WebUtility.HtmlDecode(encoded);
        Assert.Contains("<p class=\"total\">225 kg <span class=\"muted\">CO₂e</span></p>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("250 kg", html, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?<![0-9.])25 kg", html);
        Assert.DoesNotContain(s.PolicyCategory, html, StringComparison.Ordinal);
        Assert.Contains("<h2 id=\"donations-title\">Donations</h2>", html, StringComparison.Ordinal);
        Assert.Contains($"<strong>{s.PolicyProject}</strong>: 0.25 USD", html, StringComparison.Ordinal);

        var data = await client.GetJsonAsync("/v1/impact/data");
        Assert.Equal(225m, data["total_offset_kgs"]!.GetValue<decimal>());
        var category = Assert.Single(data["categories"]!.AsArray());
        Assert.NotEqual(s.PolicyCategory, category!["category"]!["name"]!.GetValue<string>());
        Assert.Equal(225m, category["offset_kgs"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task TheFeedShowsTheCreditsOfTheOrder()
    {
        var (s, _) = await FulfilledCnaughtOrderAsync();
        app.Services.GetRequiredService<Canopy.Impact.PublicFeed>().Invalidate();
        var (_, html) = await app.GetPageAsync("/feed");
        Assert.Contains($"<span class=\"who\">{s.Name}</span> removed <strong>225 kg</strong>", html, StringComparison.Ordinal);
        var json = await app.Anonymous().GetJsonAsync("/api/offset-orders/public");
        var mine = Assert.Single(json["offsetOrders"]!.AsArray(), o => o!["name"]!.GetValue<string>() == s.Name);
        Assert.Equal(0.225m, mine!["tons"]!.GetValue<decimal>());
    }

    [Fact]
    public async Task TheReceiptCountsTheCreditsAndShowsTheDonationAsMoney()
    {
        var email = $"{TestData.NewId()}@donor-receipt.example";
        var s = await SetupAsync(email);
        var response = await app.WithBasic(s.Account.LiveToken).PostJsonAsync("/api/offset-orders", new
        {
            tons = 0.25m, portfolioId = s.PortfolioWrenId, paymentMethod = "credits", sendReceiptEmail = true,
        });
        await response.ReadJsonAsync(HttpStatusCode.OK);
        await app.DrainOutboxAsync();

        var received = Assert.Single(app.Sink.Messages, m => m.To.Contains(email));
        using var mime = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(received.Data)), Ct);
        foreach (var part in new[] { mime.TextBody, WebUtility.HtmlDecode(mime.HtmlBody) })
        {
            Assert.Contains("0.225 tonnes CO₂e and a donation of 0.25 USD", part, StringComparison.Ordinal);
            Assert.Contains($"{s.PolicyProject}: 0.25 USD donated", part, StringComparison.Ordinal);
            Assert.Contains($"{s.OffsetProject}: 0.225 t", part, StringComparison.Ordinal);
            Assert.DoesNotContain("0.25 tonnes", part, StringComparison.Ordinal);
            Assert.DoesNotContain("0.025 t", part, StringComparison.Ordinal);
        }

        // Wren's stats: the account's tonnes are its credits.
        var list = await app.WithBasic(s.Account.LiveToken).GetJsonAsync("/api/offset-orders");
        Assert.Equal(0.225m, list["stats"]!["totalTons"]!.GetValue<decimal>());
    }
}

public sealed class DonationsAsMoneyTestsOnSqlite(SmtpSqliteApp app) : DonationsAsMoneyTests(app), IClassFixture<SmtpSqliteApp>;

public sealed class DonationsAsMoneyTestsOnPostgres(SmtpPostgresApp app) : DonationsAsMoneyTests(app), IClassFixture<SmtpPostgresApp>;
