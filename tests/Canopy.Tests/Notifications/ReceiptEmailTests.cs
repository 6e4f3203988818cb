using System.Net;
using System.Text;
using Canopy.Data;
using Canopy.Notifications;
using Canopy.Tests.Infrastructure;
using Canopy.Tests.Wren;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using Canopy.Outbox;

namespace Canopy.Tests.Notifications;

/// <summary>Canopy sending email over SMTP to a <see cref="SmtpSink"/> in the test process.</summary>
public abstract class SmtpApp : CanopyApp
{
    public SmtpSink Sink { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
    [
        new("Smtp:Host", "127.0.0.1"),
        new("Smtp:Port", Sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        new("Smtp:Security", "none"),
        new("Smtp:From", "Canopy Receipts <receipts@canopy.test>"),
        new("Canopy:PublicBaseUrl", "https://canopy.test"),
        new("Canopy:Outbox:BaseBackoffSeconds", "0"),
    ];

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Sink.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class SmtpSqliteApp : SmtpApp
{
    public override Db Db => Db.Sqlite;
}

public sealed class SmtpPostgresApp : SmtpApp
{
    public override Db Db => Db.Postgres;
}

public abstract class ReceiptEmailTests(SmtpApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(TestAccount Account, string OrderId, string ProjectName)> OrderWithReceiptAsync(string email, bool receipt = true)
    {
        var project = await app.CreateProjectAsync(20_000);
        var portfolio = await app.CreatePortfolioAsync((project.PublicId(), 1m));
        var account = await app.CreateAccountAsync(new { name = "Receipt & Co " + TestData.NewId(), email }, creditsUsdCents: 100_000);
        var response = await app.WithBasic(account.LiveToken).PostJsonAsync("/api/offset-orders", new
        {
            tons = 0.25m, portfolioId = portfolio.WrenId(), paymentMethod = "credits", sendReceiptEmail = receipt,
            onBehalfOfName = "Jane <Doe>", note = "Offsite",
        });
        await response.ReadJsonAsync(HttpStatusCode.OK);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        var orderId = await db.Orders.Where(o => o.AccountId == account.Id).Select(o => o.PublicId).SingleAsync(Ct);
        return (account, orderId, project["name"]!.GetValue<string>());
    }

    private async Task<OutboxMessage> ReceiptMessageAsync(string orderId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        return await db.OutboxMessages.AsNoTracking().SingleAsync(m => m.Topic == OutboxTopics.ReceiptEmail && m.Subject == orderId, Ct);
    }

    [Fact]
    public async Task AReceiptIsSentOverSmtpWithTextAndHtmlPartsNamingAmountTonnesProjectsAndCertificate()
    {
        var email = $"{TestData.NewId()}@receipt.example";
        var (_, orderId, projectName) = await OrderWithReceiptAsync(email);
        var message = await ReceiptMessageAsync(orderId);
        Assert.True(await app.Services.GetRequiredService<OutboxProcessor>().TryAsync(message.Id, Ct));

        var received = Assert.Single(app.Sink.Messages, m => m.To.Contains(email));
        Assert.Equal("receipts@canopy.test", received.From);
        using var mime = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(received.Data)), Ct);
        Assert.Contains(orderId, mime.Subject + mime.TextBody, StringComparison.Ordinal);
        string certificate;
        await using (var scope = app.Services.CreateAsyncScope())
            certificate = await scope.ServiceProvider.GetRequiredService<CanopyDbContext>().Orders.Where(o => o.PublicId == orderId).Select(o => o.CertificateId).SingleAsync(Ct);
        foreach (var part in new[] { mime.TextBody, mime.HtmlBody })
        {
            Assert.NotNull(part);
            Assert.Contains("50.00 USD", part, StringComparison.Ordinal);       // 0.25 t at 200.00 USD/t
            Assert.Contains("0.25 tonnes", part, StringComparison.Ordinal);
            Assert.Contains(projectName, part, StringComparison.Ordinal);
            Assert.Contains($"https://canopy.test/certificates/{certificate}", part, StringComparison.Ordinal);
            Assert.Contains("credits", part, StringComparison.Ordinal);
        }
        Assert.Contains("On behalf of: Jane <Doe>", mime.TextBody, StringComparison.Ordinal);
        Assert.Contains("Jane &lt;Doe&gt;", mime.HtmlBody, StringComparison.Ordinal); // HTML is escaped
    }

    [Fact]
    public async Task AnSmtpFailureIsRetriedByTheOutboxUntilTheReceiptGoesThrough()
    {
        var email = $"{TestData.NewId()}@retry.example";
        app.Sink.Refuse = true;
        string orderId;
        try
        {
            (_, orderId, _) = await OrderWithReceiptAsync(email);
            var processor = app.Services.GetRequiredService<OutboxProcessor>();
            var message = await ReceiptMessageAsync(orderId);
            Assert.True(await processor.TryAsync(message.Id, Ct));
            Assert.DoesNotContain(app.Sink.Messages, m => m.To.Contains(email));
            var failed = await ReceiptMessageAsync(orderId);
            Assert.Null(failed.CompletedAt);
            Assert.Equal(1, failed.Attempts);
        }
        finally
        {
            app.Sink.Refuse = false;
        }
        var retried = await ReceiptMessageAsync(orderId);
        Assert.True(await app.Services.GetRequiredService<OutboxProcessor>().TryAsync(retried.Id, Ct));
        Assert.Single(app.Sink.Messages, m => m.To.Contains(email));
        Assert.NotNull((await ReceiptMessageAsync(orderId)).CompletedAt);
    }

    [Fact]
    public async Task NoReceiptIsQueuedWhenTheClientDidNotAskForOne()
    {
        var (account, orderId, _) = await OrderWithReceiptAsync($"{TestData.NewId()}@none.example", receipt: false);
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        Assert.False(await db.OutboxMessages.AnyAsync(m => m.Topic == OutboxTopics.ReceiptEmail && m.Subject == orderId, Ct));
        Assert.True(account.Id > 0);
    }
}

public sealed class ReceiptEmailTestsOnSqlite(SmtpSqliteApp app) : ReceiptEmailTests(app), IClassFixture<SmtpSqliteApp>;

public sealed class ReceiptEmailTestsOnPostgres(SmtpPostgresApp app) : ReceiptEmailTests(app), IClassFixture<SmtpPostgresApp>;

/// <summary>Without Smtp:Host, receipts are written as .eml files to Smtp:PickupDirectory.</summary>
public abstract class PickupApp : CanopyApp
{
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "canopy-mail-" + Guid.NewGuid().ToString("N"));

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
        [new("Smtp:PickupDirectory", Folder), new("Canopy:PublicBaseUrl", "https://canopy.test")];

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true);
        GC.SuppressFinalize(this);
    }
}

public sealed class PickupSqliteApp : PickupApp
{
    public override Db Db => Db.Sqlite;
}

public sealed class PickupPostgresApp : PickupApp
{
    public override Db Db => Db.Postgres;
}

public abstract class PickupEmailTests(PickupApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WithoutSmtpTheReceiptIsWrittenAsAnEmlFile()
    {
        var project = await app.CreateProjectAsync(20_000);
        var portfolio = await app.CreatePortfolioAsync((project.PublicId(), 1m));
        var email = $"{TestData.NewId()}@pickup.example";
        var account = await app.CreateAccountAsync(new { name = "Pickup Co " + TestData.NewId(), email }, creditsUsdCents: 100_000);
        var response = await app.WithBasic(account.LiveToken).PostJsonAsync("/api/offset-orders",
            new { tons = 0.5m, portfolioId = portfolio.WrenId(), paymentMethod = "credits", sendReceiptEmail = true });
        await response.ReadJsonAsync(HttpStatusCode.OK);
        await app.Services.GetRequiredService<OutboxProcessor>().RunOnceAsync(Ct);

        var files = Directory.GetFiles(app.Folder, "*.eml");
        var mails = files.Select(f => MimeMessage.Load(f, Ct)).ToList();
        var mail = Assert.Single(mails, m => m.To.Mailboxes.Any(b => b.Address == email));
        Assert.Contains("100.00 USD", mail.TextBody, StringComparison.Ordinal);
        Assert.Contains("0.5 tonnes", mail.HtmlBody, StringComparison.Ordinal);
        foreach (var m in mails) m.Dispose();
    }
}

public sealed class PickupEmailTestsOnSqlite(PickupSqliteApp app) : PickupEmailTests(app), IClassFixture<PickupSqliteApp>;

public sealed class PickupEmailTestsOnPostgres(PickupPostgresApp app) : PickupEmailTests(app), IClassFixture<PickupPostgresApp>;
