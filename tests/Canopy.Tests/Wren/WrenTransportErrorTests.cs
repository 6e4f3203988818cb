using System.Net;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Wren;

/// <summary>Requests broken before they reach a handler still get Wren's {"message"} shape.</summary>
public abstract class WrenTransportErrorTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnUnexpectedContentTypeIs415WithAMessage()
    {
        var account = await app.CreateAccountAsync(creditsUsdCents: 1_000);
        var response = await app.WithBasic(account.LiveToken).PostRawAsync("/api/offset-orders", "tons=1", "text/plain");
        var body = await response.ReadJsonAsync(HttpStatusCode.UnsupportedMediaType);
        Assert.Equal(["message"], body.Keys());
    }

    [Fact]
    public async Task ABodyOverTheSizeLimitIs413WithAMessage()
    {
        var account = await app.CreateAccountAsync(creditsUsdCents: 1_000);
        var huge = "{\"tons\":1,\"note\":\"" + new string('x', 2 * 1024 * 1024) + "\"}";
        var response = await app.WithBasic(account.LiveToken).PostRawAsync("/api/offset-orders", huge);
        var body = await response.ReadJsonAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(["message"], body.Keys());
    }

    [Fact]
    public async Task MessagesKeepTheirQuotesReadable()
    {
        var account = await app.CreateAccountAsync(creditsUsdCents: 1_000);
        var response = await app.WithBasic(account.LiveToken).PostRawAsync("/api/offset-orders", """{"tons": 1, "paymentMethod": "bitcoin"}""");
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\\\"stripe\\\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u0022", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u0027", text, StringComparison.Ordinal);
    }
}

public sealed class WrenTransportErrorTestsOnSqlite(SqliteApp app) : WrenTransportErrorTests(app), IClassFixture<SqliteApp>;

public sealed class WrenTransportErrorTestsOnPostgres(PostgresApp app) : WrenTransportErrorTests(app), IClassFixture<PostgresApp>;
