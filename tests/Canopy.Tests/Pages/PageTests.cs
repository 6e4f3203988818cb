using System.Net;
using System.Net.Http.Json;
using Canopy.Tests.Cnaught;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Pages;

/// <summary>The public pages over HTTP: certificates (page and PDF), hosted impact pages, the feed, the front door, and their headers.</summary>
public abstract class PageTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CertificateShowsPurchaserQuantityProjectsAndState()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var (order, path) = await c.PlaceCnaughtOrderAsync(new { amount_kg = 10, description = "Offsite in Lisbon" });
        var (_, html) = await app.GetPageAsync(path);

        var account = await app.Admin().GetJsonAsync($"/admin/accounts/{c.Account.Id}");
        Assert.Contains($"<p class=\"purchaser\">{account["name"]!.GetValue<string>()}</p>", html, StringComparison.Ordinal);
        Assert.Contains("Certificate of carbon removal", html, StringComparison.Ordinal);
        Assert.Contains("10 kg CO", html, StringComparison.Ordinal);
        Assert.Contains("Offsite in Lisbon", html, StringComparison.Ordinal);
        Assert.Contains(order["order_number"]!.GetValue<string>(), html, StringComparison.Ordinal);
        Assert.Contains("Placed: the credits will be retired", html, StringComparison.Ordinal);
        // Both projects with their share: 25 % and 75 % of 10 kg.
        foreach (var allocation in order["project_allocations"]!.AsArray())
            Assert.Contains(WebUtility.HtmlEncode(allocation!["project"]!["name"]!.GetValue<string>()), html, StringComparison.Ordinal);
        Assert.Contains(">25 %<", html, StringComparison.Ordinal);
        Assert.Contains(">2.5 kg<", html, StringComparison.Ordinal);
        Assert.Contains(">75 %<", html, StringComparison.Ordinal);
        Assert.Contains(">7.5 kg<", html, StringComparison.Ordinal);
        Assert.Contains($"href=\"{path}.pdf\"", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FulfilledCertificateShowsVintagesRegistriesAndSerialRanges()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var prefix = "PURO-" + TestData.NewId();
        // Project A gets 2.5 kg of a 10 kg order: 1 kg from 2019, then 1.5 kg from 2020 (oldest vintage first).
        await app.AddBatchAsync(c.ProjectA, 2020, 5, prefix + "-2020", "https://registry.example/2020");
        await app.AddBatchAsync(c.ProjectA, 2019, 1, prefix + "-2019", "https://registry.example/2019");
        await app.AddBatchAsync(c.ProjectB, 2021, 100, prefix + "-B", "https://registry.example/b");
        var (order, path) = await c.PlaceCnaughtOrderAsync(new { amount_kg = 10 });
        await app.DrainOutboxAsync();
        Assert.Equal("fulfilled", (await c.Live.GetJsonAsync($"/v1/orders/{order["id"]}"))["state"]!.GetValue<string>());

        var (_, html) = await app.GetPageAsync(path);
        Assert.Contains("Fulfilled: the credits are retired", html, StringComparison.Ordinal);
        // Serial numbers as a registry prints them: the first and the last, each in full.
        Assert.Contains($"Vintage 2019: <a href=\"https://registry.example/2019\" rel=\"noopener noreferrer\">{prefix}-2019-1 &#x2013; {prefix}-2019-1000</a>", html, StringComparison.Ordinal);
        Assert.Contains($"{prefix}-2020-1 &#x2013; {prefix}-2020-1500", html, StringComparison.Ordinal);
        Assert.Contains($"{prefix}-B-1 &#x2013; {prefix}-B-7500", html, StringComparison.Ordinal);
        Assert.Contains("Puro.earth", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Pending retirement", html, StringComparison.Ordinal);

        var text = PageKit.PdfText(await app.Anonymous().GetByteArrayAsync(path + ".pdf", Ct));
        Assert.Contains($"Vintage 2019: serial numbers {prefix}-2019-1 ", text, StringComparison.Ordinal);
        Assert.Contains($" {prefix}-2019-1000 (1 kg", text, StringComparison.Ordinal);
        Assert.Contains($" {prefix}-B-7500 (7.5 kg", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnBehalfOfNameIsThePurchaserAndHtmlInItShowsAsText()
    {
        var c = await app.CreateCnaughtCustomerAsync(billing: "credits", credits: 100_000);
        var wren = app.WithBasic(c.Account.LiveToken);
        const string name = "<script>alert('x')</script> Jane & Co";
        var placed = await (await wren.PostAsync("/api/offset-orders", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["tons"] = "0.01", ["paymentMethod"] = "credits", ["onBehalfOfName"] = name,
        }), Ct)).ReadJsonAsync(HttpStatusCode.OK);

        // Wren's order-group certificate route leads to the page.
        var redirect = await wren.GetAsync($"/api/offset-orders/certificate/by-group/{placed["id"]!.GetValue<string>()}", Ct);
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        var location = redirect.Headers.Location!;
        Assert.Matches("^/certificates/[A-Za-z0-9]{22}$", location.AbsolutePath);

        var (_, html) = await app.GetPageAsync(location.AbsolutePath);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Jane &amp; Co", html, StringComparison.Ordinal);
        Assert.Contains("Placed by", html, StringComparison.Ordinal);
        Assert.Contains("10 kg CO", html, StringComparison.Ordinal);

        var pdf = await app.Anonymous().GetByteArrayAsync(location.AbsolutePath + ".pdf", Ct);
        Assert.Contains(name, PageKit.PdfText(pdf), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PdfIsAValidPdfWithThePurchaserInItsText()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var (order, _) = await c.PlaceCnaughtOrderAsync(new { amount_kg = 1500, description = "Fleet emissions, Q3" });
        var response = await app.Anonymous().GetAsync(PageKit.PathOf(order["certificate_download_public_url"]!.GetValue<string>()), Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition?.DispositionType);
        var bytes = await response.Content.ReadAsByteArrayAsync(Ct);
        Assert.Equal("%PDF-", System.Text.Encoding.ASCII.GetString(bytes, 0, 5));

        var text = PageKit.PdfText(bytes);
        var account = await app.Admin().GetJsonAsync($"/admin/accounts/{c.Account.Id}");
        Assert.Contains(account["name"]!.GetValue<string>(), text, StringComparison.Ordinal);
        Assert.Contains("1.5 t CO2e", text, StringComparison.Ordinal);
        Assert.Contains("Fleet emissions, Q3", text, StringComparison.Ordinal);
        Assert.Contains(order["order_number"]!.GetValue<string>(), text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancelledOrdersCertificateSaysSoAndTheApiGivesNoUrls()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var (order, path) = await c.PlaceCnaughtOrderAsync(new { amount_kg = 10 });
        var cancelled = await (await c.Live.SendAsync(HttpMethod.Post, $"/v1/orders/{order["id"]}/cancel")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Null(cancelled["certificate_public_url"]);
        Assert.Null(cancelled["certificate_download_public_url"]);

        var (_, html) = await app.GetPageAsync(path);
        Assert.Contains("This order was cancelled", html, StringComparison.Ordinal);
        Assert.Contains("Cancelled:", html, StringComparison.Ordinal);
        Assert.Contains("This order was cancelled", PageKit.PdfText(await app.Anonymous().GetByteArrayAsync(path + ".pdf", Ct)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/certificates/AAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("/certificates/AAAAAAAAAAAAAAAAAAAAAA.pdf")]
    [InlineData("/certificates/%3Cscript%3E")]
    [InlineData("/certificates/" + "x")]
    [InlineData("/impact/no-such-account-page")]
    [InlineData("/impact/NOT_A_SLUG")]
    [InlineData("/impact/no-such-account-page/abcdefgh")]
    public async Task UnknownIdsAreA404Page(string path)
    {
        var (response, html) = await app.GetPageAsync(path, HttpStatusCode.NotFound);
        Assert.Contains("Page not found", html, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task AnotherAccountsOrderOrSubaccountIsNotFound()
    {
        var mine = await app.CreateCnaughtCustomerAsync();
        var theirs = await app.CreateCnaughtCustomerAsync(billing: "credits", credits: 10_000);
        var theirSub = (await theirs.Live.PostJsonAsync("/v1/subaccounts", new { name = "Theirs" }, HttpStatusCode.Created))["id"]!.GetValue<string>();
        var mySlug = (await app.Admin().GetJsonAsync($"/admin/accounts/{mine.Account.Id}"))["impact_slug"]!.GetValue<string>();
        await app.GetPageAsync($"/impact/{mySlug}/{theirSub}", HttpStatusCode.NotFound);

        var placed = await (await app.WithBasic(theirs.Account.LiveToken).PostAsync("/api/offset-orders",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["tons"] = "0.01", ["paymentMethod"] = "credits" }), Ct)).ReadJsonAsync(HttpStatusCode.OK);
        var groupId = placed["id"]!.GetValue<string>();
        var foreign = await app.WithBasic(mine.Account.LiveToken).GetAsync($"/api/offset-orders/certificate/by-group/{groupId}", Ct);
        var body = await foreign.ReadJsonAsync(HttpStatusCode.NotFound);
        Assert.Equal(["message"], body.Keys());
        await (await app.WithBasic(mine.Account.TestToken).GetAsync($"/api/offset-orders/certificate/by-group/{groupId}", Ct)).ReadJsonAsync(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.Anonymous().GetAsync($"/api/offset-orders/certificate/by-group/{groupId}", Ct)).StatusCode);
    }

    [Fact]
    public async Task ImpactPageShowsTotalEquivalentsChartsAndProjects()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        await c.Live.PlaceOrderAsync(new { amount_kg = 4000 });
        await c.Live.PlaceOrderAsync(new { amount_kg = 600 });
        var config = await c.Live.GetJsonAsync("/v1/impact/hosted-page-config");
        Assert.True(config["enabled"]!.GetValue<bool>());
        var (_, html) = await app.GetPageAsync(PageKit.PathOf(config["url"]!.GetValue<string>()));

        var account = await app.Admin().GetJsonAsync($"/admin/accounts/{c.Account.Id}");
        Assert.Contains($"<h1 id=\"impact-title\">{account["name"]!.GetValue<string>()}</h1>", html, StringComparison.Ordinal);
        Assert.Contains("4.6 t", html, StringComparison.Ordinal);
        // 4 600 kg is exactly one car-year at the default factor.
        Assert.Contains("<span class=\"amount\">1</span> cars off the road for a year", html, StringComparison.Ordinal);
        Assert.Contains("flights from Los Angeles to New York", html, StringComparison.Ordinal);
        Assert.Equal(2, CountOf(html, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
        Assert.Contains("aria-labelledby=\"by-category-title by-category-desc\"", html, StringComparison.Ordinal);
        Assert.Contains("aria-labelledby=\"over-time-title over-time-desc\"", html, StringComparison.Ordinal);
        // 25 % of 4.6 t to A (1.15 t), 75 % to B (3.45 t): bars and table rows for both categories.
        Assert.Contains("1.15 t", html, StringComparison.Ordinal);
        Assert.Contains("3.45 t", html, StringComparison.Ordinal);
        var portfolio = await c.Live.GetJsonAsync($"/v1/portfolios/{c.PortfolioId}");
        Assert.Contains("Projects supported", html, StringComparison.Ordinal);
        Assert.Contains("<h3>Project ", html, StringComparison.Ordinal);
        Assert.True(html.Length < 300_000, $"The page is {html.Length} bytes.");
        Assert.NotNull(portfolio);

        // The operator chooses the equivalents shown, and can turn the page off.
        await app.Admin().PatchJsonAsync($"/admin/accounts/{c.Account.Id}", new { hosted_impact_page_equivalents = new[] { "trees_planted" } });
        var (_, fewer) = await app.GetPageAsync(PageKit.PathOf(config["url"]!.GetValue<string>()));
        Assert.Contains("tree seedlings grown for ten years", fewer, StringComparison.Ordinal);
        Assert.DoesNotContain("cars off the road", fewer, StringComparison.Ordinal);
        Assert.DoesNotContain("flights from Los Angeles", fewer, StringComparison.Ordinal);

        await app.Admin().PatchJsonAsync($"/admin/accounts/{c.Account.Id}", new { hosted_impact_page_enabled = false });
        await app.GetPageAsync(PageKit.PathOf(config["url"]!.GetValue<string>()), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task SubaccountImpactPageShowsOnlyItsOrders()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        const string subName = "Branch <b>North</b>";
        var sub = (await c.Live.PostJsonAsync("/v1/subaccounts", new { name = subName }, HttpStatusCode.Created))["id"]!.GetValue<string>();
        await c.Live.PlaceOrderAsync(new { amount_kg = 3 }, subaccount: sub);
        await c.Live.PlaceOrderAsync(new { amount_kg = 100 });
        var config = await c.Live.GetJsonForAsync("/v1/impact/hosted-page-config", sub);
        var (_, html) = await app.GetPageAsync(PageKit.PathOf(config["url"]!.GetValue<string>()));
        Assert.Contains("<h1 id=\"impact-title\">Branch &lt;b&gt;North&lt;/b&gt;</h1>", html, StringComparison.Ordinal);
        Assert.Contains("<p class=\"total\">3 kg", html, StringComparison.Ordinal);

        var (_, whole) = await app.GetPageAsync(PageKit.PathOf((await c.Live.GetJsonAsync("/v1/impact/hosted-page-config"))["url"]!.GetValue<string>()));
        Assert.Contains("<p class=\"total\">103 kg", whole, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImpactPageOfAnAccountWithoutOrdersSaysSo()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var config = await c.Live.GetJsonAsync("/v1/impact/hosted-page-config");
        var (_, html) = await app.GetPageAsync(PageKit.PathOf(config["url"]!.GetValue<string>()));
        Assert.Contains("No orders yet", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<svg", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FeedPageListsPublicOrdersAndEscapesNames()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var name = "Feed <i>Co</i> " + TestData.NewId();
        await app.Admin().PatchJsonAsync($"/admin/accounts/{c.Account.Id}", new { public_feed_opt_in = true, name });
        await c.Live.PlaceOrderAsync(new { amount_kg = 42 });
        app.Services.GetRequiredService<Canopy.Impact.PublicFeed>().Invalidate();

        var (_, html) = await app.GetPageAsync("/feed");
        Assert.Contains(WebUtility.HtmlEncode(name), html, StringComparison.Ordinal);
        Assert.DoesNotContain("<i>Co</i>", html, StringComparison.Ordinal);
        Assert.Contains("<strong>42 kg</strong>", html, StringComparison.Ordinal);
        var json = await app.Anonymous().GetJsonAsync("/api/offset-orders/public");
        Assert.Contains(json["offsetOrders"]!.AsArray(), o => o!["name"]!.GetValue<string>() == name);
    }

    [Fact]
    public async Task FrontDoorLinksToDocsFeedAndHealth()
    {
        var (_, html) = await app.GetPageAsync("/");
        foreach (var link in new[] { "/docs", "/feed", "/health/live", "/health/ready", "/openapi/v1.json" })
            Assert.Contains($"href=\"{link}\"", html, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"en\">", html, StringComparison.Ordinal);
        Assert.Contains("<meta name=\"viewport\"", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/feed")]
    [InlineData("/certificates/unknown")]
    [InlineData("/impact/unknown-page")]
    [InlineData("/assets/canopy.css")]
    [InlineData("/assets/favicon.svg")]
    public async Task PagesSendContentSecurityPolicyAndNosniff(string path)
    {
        var response = await app.Anonymous().GetAsync(path, Ct);
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("style-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
    }

    /// <summary>Input refused before a page's handler runs is still a page: HTML with the pages' headers, not JSON.</summary>
    [Theory]
    [InlineData("/?x=%00", 400)]
    [InlineData("/feed?page=%00", 400)]
    [InlineData("/feed?%00=1", 400)]
    [InlineData("/certificates/unknown?x=a%00b", 400)]
    [InlineData("/certificates/unknown.pdf?x=%00", 400)]
    [InlineData("/impact/unknown-page?%00", 400)]
    [InlineData("/impact/unknown-page/sub?x=%00", 400)]
    [InlineData("/certificates/a/b/c", 404)]
    [InlineData("/assets/no-such-asset.js", 404)]
    public async Task InputRefusedBeforeAPageIsAnHtmlErrorPage(string url, int status)
    {
        var response = await app.Anonymous().GetAsync(url, Ct);
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync(Ct);
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.Contains(status == 404 ? "Page not found" : "Bad Request", html, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Fact]
    public async Task CertificateAndPdfSendTheHeadersToo()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var (_, path) = await c.PlaceCnaughtOrderAsync(new { amount_kg = 1 });
        foreach (var url in new[] { path, path + ".pdf" })
        {
            var response = await app.Anonymous().GetAsync(url, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        }
    }

    [Fact]
    public async Task OperatorRefusesUnknownEquivalents()
    {
        var account = await app.CreateAccountAsync();
        var response = await app.Admin().PatchAsJsonAsync($"/admin/accounts/{account.Id}", new { hosted_impact_page_equivalents = new[] { "trees_planted", "rockets" } }, Ct);
        await Problems.AssertInvalidAsync(response, "hosted_impact_page_equivalents");
        var after = await app.Admin().GetJsonAsync($"/admin/accounts/{account.Id}");
        Assert.Equal(4, after["hosted_impact_page_equivalents"]!.AsArray().Count);
    }

    [Fact]
    public async Task OpenApiDescribesThePages()
    {
        var doc = await app.Anonymous().GetJsonAsync("/openapi/v1.json");
        var paths = doc["paths"]!.AsObject();
        foreach (var path in new[] { "/", "/feed", "/certificates/{id}", "/certificates/{id}.pdf", "/impact/{slug}", "/impact/{slug}/{subaccountId}",
                     "/api/offset-orders/certificate/by-group/{id}" })
            Assert.True(paths.ContainsKey(path), $"{path} is not in the OpenAPI document");
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal)) count++;
        return count;
    }
}

public sealed class PageTestsOnSqlite(SqliteApp app) : PageTests(app), IClassFixture<SqliteApp>;

public sealed class PageTestsOnPostgres(PostgresApp app) : PageTests(app), IClassFixture<PostgresApp>;
