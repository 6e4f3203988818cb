using System.Diagnostics;
using System.Text.Json;
using Canopy.Tests.Cnaught;
using Canopy.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Canopy.Tests.Pages;

/// <summary>
/// The public pages in headless Chromium (Debian's, at /usr/bin/chromium) against Canopy on a real Kestrel port:
/// visible text and charts, an axe-core accessibility check, keyboard reach, page weight, no request to another host,
/// and screenshots at desktop and phone widths into artifacts/screenshots (git-ignored; CANOPY_SCREENSHOTS overrides).
/// </summary>
public abstract class BrowserTests(CanopyApp app)
{
    public const string ChromiumPath = "/usr/bin/chromium";
    private const int MaxPageBytes = 300 * 1024;
    private static readonly SemaphoreSlim InstallGate = new(1, 1);
    private static readonly (string Name, int Width, int Height)[] Viewports = [("desktop", 1280, 900), ("phone", 390, 844)];

    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CertificateOfAFulfilledOrderWorksInABrowser()
    {
        await using var browser = await LaunchAsync();
        var c = await app.CreateCnaughtCustomerAsync();
        var prefix = "VCS-" + TestData.NewId();
        await app.AddBatchAsync(c.ProjectA, 2022, 50, prefix + "-A", "https://registry.example/a");
        await app.AddBatchAsync(c.ProjectB, 2023, 50, prefix + "-B", "https://registry.example/b");
        var (order, path) = await c.PlaceCnaughtOrderAsync(new { amount_kg = 20, description = "Conference travel 2026" });
        await app.DrainOutboxAsync();

        await VisitAsync(browser, path, "certificate", async page =>
        {
            Assert.True(await page.GetByRole(AriaRole.Heading, new() { Name = "Certificate of carbon removal", Level = 1 }).IsVisibleAsync());
            var account = await app.Admin().GetJsonAsync($"/admin/accounts/{c.Account.Id}");
            Assert.Equal(account["name"]!.GetValue<string>(), await page.Locator(".purchaser").InnerTextAsync());
            Assert.Equal("20 kg CO₂e", await page.Locator(".quantity").InnerTextAsync());
            var table = await page.Locator("table").InnerTextAsync();
            // Serial ranges as a registry prints them: the first and the last serial in full.
            Assert.Contains($"{prefix}-A-1 – {prefix}-A-5000", table, StringComparison.Ordinal);
            Assert.Contains($"{prefix}-B-1 – {prefix}-B-15000", table, StringComparison.Ordinal);
            Assert.Contains("Fulfilled", await page.Locator("dl.facts").InnerTextAsync(), StringComparison.Ordinal);

            // The PDF link serves a PDF with the purchaser's name in its text.
            var pdf = await page.APIRequest.GetAsync(await page.GetByRole(AriaRole.Link, new() { Name = "Download the certificate (PDF)" }).GetAttributeAsync("href") is { } href
                ? new Uri(app.ServerAddress!, href).ToString() : throw new InvalidOperationException("No PDF link"));
            Assert.Equal(200, pdf.Status);
            var bytes = await pdf.BodyAsync();
            Assert.Equal("%PDF-", System.Text.Encoding.ASCII.GetString(bytes, 0, 5));
            Assert.Contains(account["name"]!.GetValue<string>(), PageKit.PdfText(bytes), StringComparison.Ordinal);
        });
        Assert.Equal("fulfilled", (await c.Live.GetJsonAsync($"/v1/orders/{order["id"]}"))["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task ImpactPageOfAnAccountWithHistoryWorksInABrowser()
    {
        await using var browser = await LaunchAsync();
        var c = await app.CreateCnaughtCustomerAsync();
        foreach (var kg in new[] { 1200, 800, 2600 }) await c.Live.PlaceOrderAsync(new { amount_kg = kg });
        var url = (await c.Live.GetJsonAsync("/v1/impact/hosted-page-config"))["url"]!.GetValue<string>();

        await VisitAsync(browser, PageKit.PathOf(url), "impact", async page =>
        {
            Assert.Equal("4.6 t CO₂e", await page.Locator(".total").InnerTextAsync());
            var equivalents = await page.Locator(".equivalent").AllInnerTextsAsync();
            Assert.Equal(4, equivalents.Count);
            Assert.Contains(equivalents, e => e.Contains("cars off the road", StringComparison.Ordinal));
            // Two server-rendered charts, each an accessible image with bars.
            var charts = page.Locator("figure.chart svg[role=img]");
            Assert.Equal(2, await charts.CountAsync());
            Assert.Equal(2, await charts.Nth(0).Locator("rect").CountAsync()); // two categories
            Assert.True(await charts.Nth(1).Locator("rect").CountAsync() >= 1);
            Assert.True((await charts.Nth(0).BoundingBoxAsync())!.Width > 300);
            Assert.Equal(2, await page.Locator(".project h3").CountAsync());
        });
    }

    [Fact]
    public async Task FeedFrontDoorAndNotFoundPagesWorkInABrowser()
    {
        await using var browser = await LaunchAsync();
        var c = await app.CreateCnaughtCustomerAsync();
        await app.Admin().PatchJsonAsync($"/admin/accounts/{c.Account.Id}", new { public_feed_opt_in = true });
        await c.Live.PlaceOrderAsync(new { amount_kg = 7 });
        app.Services.GetRequiredService<Canopy.Impact.PublicFeed>().Invalidate();

        await VisitAsync(browser, "/", "home", async page =>
        {
            Assert.True(await page.GetByRole(AriaRole.Link, new() { Name = "Interactive API reference" }).IsVisibleAsync());
            Assert.True(await page.GetByRole(AriaRole.Link, new() { Name = "See the public feed" }).IsVisibleAsync());
            Assert.True(await page.GetByRole(AriaRole.Link, new() { Name = "Readiness" }).IsVisibleAsync());
        });
        await VisitAsync(browser, "/feed", "feed", async page =>
            Assert.True(await page.Locator("ol.feed li").CountAsync() >= 1));
        await VisitAsync(browser, "/certificates/AAAAAAAAAAAAAAAAAAAAAA", "not-found", async page =>
            Assert.True(await page.GetByRole(AriaRole.Heading, new() { Name = "Page not found" }).IsVisibleAsync()), expectedStatus: 404);
    }

    [Fact]
    public async Task ApiReferenceLoadsNothingFromOtherHosts()
    {
        await using var browser = await LaunchAsync();
        var context = await browser.NewContextAsync();
        var page = await context.NewPageAsync();
        var requests = new List<string>();
        page.Request += (_, r) => requests.Add(r.Url);
        var response = await page.GotoAsync(new Uri(app.ServerAddress!, "/docs").ToString(), new() { WaitUntil = WaitUntilState.NetworkIdle });
        Assert.Equal(200, response!.Status);
        await page.GetByText("Canopy API").First.WaitForAsync();
        AssertSameOrigin(requests);
    }

    /// <summary>Loads a page at desktop and phone widths: checks, then the common rules, then a screenshot at each width.</summary>
    private async Task VisitAsync(Browser browser, string path, string name, Func<IPage, Task> check, int expectedStatus = 200)
    {
        var axe = await AxeSourceAsync();
        foreach (var (viewport, width, height) in Viewports)
        {
            var context = await browser.Inner.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height } });
            var page = await context.NewPageAsync();
            var requests = new List<IRequest>();
            var errors = new List<string>();
            page.Request += (_, r) => requests.Add(r);
            page.Console += (_, m) => { if (m.Type == "error") errors.Add(m.Text); };
            page.PageError += (_, e) => errors.Add(e);

            var response = await page.GotoAsync(new Uri(app.ServerAddress!, path).ToString(), new() { WaitUntil = WaitUntilState.Load });
            Assert.Equal(expectedStatus, response!.Status);
            await check(page);

            // Nothing from another host; no CSP violation or script error; no page over 300 KB before images.
            AssertSameOrigin(requests.Select(r => r.Url));
            Assert.True(errors.Count == 0 || errors.All(e => expectedStatus == 404 && e.Contains("404", StringComparison.Ordinal)),
                $"{path}: {string.Join(" | ", errors)}");
            long bytes = 0;
            foreach (var r in requests.Where(r => r.ResourceType != "image"))
                if (await r.ResponseAsync() is { } res) bytes += (await res.BodyAsync()).Length;
            Assert.True(bytes < MaxPageBytes, $"{path} weighs {bytes} bytes before images");

            // Before any focus moves, so the shot shows the page as a visitor first sees it.
            await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDirectory(), $"{name}-{viewport}-{app.Db.ToString().ToLowerInvariant()}.png"), FullPage = true });

            // Keyboard: the first Tab reaches the skip link, and the page does not scroll sideways on a phone.
            await page.Keyboard.PressAsync("Tab");
            Assert.Equal("Skip to content", await page.EvaluateAsync<string>("() => document.activeElement.textContent"));
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"), $"{path} scrolls sideways at {width}px");

            await page.EvaluateAsync(axe);
            var violations = await page.EvaluateAsync<JsonElement>("""
                async () => (await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } }))
                    .violations.map(v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)
                """);
            Assert.True(violations.GetArrayLength() == 0, $"{path} at {width}px: {violations}");

            await context.CloseAsync();
        }
    }

    private void AssertSameOrigin(IEnumerable<string> urls)
    {
        var origin = app.ServerAddress!.GetLeftPart(UriPartial.Authority);
        var foreign = urls.Where(u => !u.StartsWith(origin + "/", StringComparison.Ordinal) && !u.StartsWith("data:", StringComparison.Ordinal)).ToList();
        Assert.True(foreign.Count == 0, $"Requests to other hosts: {string.Join(", ", foreign)}");
    }

    /// <summary>A headless Chromium, or a skip that says how to get one.</summary>
    private async Task<Browser> LaunchAsync()
    {
        if (!File.Exists(ChromiumPath))
            Assert.Skip($"Chromium is not installed at {ChromiumPath}: browser tests skipped. Install it with `apt-get install -y chromium` (Debian) and run the tests again.");
        app.RequireAvailable();
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
        });
        return new Browser(playwright, browser);
    }

    /// <summary>axe-core from npm (package-lock.json next to this test), installed into the test output once per run.</summary>
    private async Task<string> AxeSourceAsync()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "Browser");
        var script = Path.Combine(dir, "node_modules", "axe-core", "axe.min.js");
        await InstallGate.WaitAsync(Ct);
        try
        {
            if (!File.Exists(script))
            {
                var start = new ProcessStartInfo("npm") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                foreach (var a in new[] { "ci", "--no-audit", "--no-fund", "--loglevel=error" }) start.ArgumentList.Add(a);
                using var npm = Process.Start(start)!;
                var output = npm.StandardOutput.ReadToEndAsync(Ct);
                var error = npm.StandardError.ReadToEndAsync(Ct);
                await npm.WaitForExitAsync(Ct);
                Assert.True(npm.ExitCode == 0, $"npm ci failed: {await output}{await error}");
            }
        }
        finally
        {
            InstallGate.Release();
        }
        return await File.ReadAllTextAsync(script, Ct);
    }

    private static string ScreenshotDirectory()
    {
        var configured = Environment.GetEnvironmentVariable("CANOPY_SCREENSHOTS");
        var dir = configured;
        if (string.IsNullOrWhiteSpace(dir))
        {
            var root = new DirectoryInfo(AppContext.BaseDirectory);
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "Canopy.slnx"))) root = root.Parent;
            dir = Path.Combine(root?.FullName ?? AppContext.BaseDirectory, "artifacts", "screenshots");
        }
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Playwright and its browser, closed together.</summary>
    protected sealed class Browser(IPlaywright playwright, IBrowser browser) : IAsyncDisposable
    {
        public IBrowser Inner => browser;

        public Task<IBrowserContext> NewContextAsync(BrowserNewContextOptions? options = null) => browser.NewContextAsync(options);

        public async ValueTask DisposeAsync()
        {
            await browser.CloseAsync();
            playwright.Dispose();
        }
    }
}

public sealed class BrowserTestsOnSqlite(SqliteServerApp app) : BrowserTests(app), IClassFixture<SqliteServerApp>;

public sealed class BrowserTestsOnPostgres(PostgresServerApp app) : BrowserTests(app), IClassFixture<PostgresServerApp>;
