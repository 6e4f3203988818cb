using System.Net;
using System.Net.Http.Headers;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Foundation;

public abstract class AuthenticationTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    // GET /api/offset-orders is the simplest authenticated Wren route; until it exists, /api/whoami-style probes
    // would be invented routes, so these tests use the CNaught catalogue for CNaught and a Wren order list for Wren.
    private const string WrenProbe = "/api/offset-orders";
    private const string CnaughtProbe = "/v1/portfolios";

    [Fact]
    public async Task WrenWithoutCredentialsIs403WithMessage()
    {
        var response = await app.Anonymous().GetAsync(WrenProbe, Ct);
        var body = await response.ReadJsonAsync(HttpStatusCode.Forbidden);
        Assert.Equal(["message"], body.Keys());
    }

    [Fact]
    public async Task WrenUnknownTokenIs403WithMessageAsWrensPagesSay()
    {
        var body = await (await app.WithBearer("cnp_live_nope").GetAsync(WrenProbe, Ct)).ReadJsonAsync(HttpStatusCode.Forbidden);
        Assert.Equal(["message"], body.Keys());
        var basic = await app.WithBasic("cnp_live_nope").GetAsync(WrenProbe, Ct);
        Assert.Equal(["message"], (await basic.ReadJsonAsync(HttpStatusCode.Forbidden)).Keys());
        foreach (var url in new[] { "/api/offset-orders", "/api/tree-orders" })
            await (await app.WithBearer("cnp_live_nope").PostRawAsync(url, "{}")).ReadJsonAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task WrenGarbledBasicHeaderIs403()
    {
        var client = app.Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", "%%%not-base64%%%");
        var response = await client.GetAsync(WrenProbe, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task WrenAcceptsBasicAndBearerLiveAndTestTokens()
    {
        var account = await app.CreateAccountAsync();
        foreach (var client in new[] { app.WithBasic(account.LiveToken), app.WithBearer(account.LiveToken), app.WithBasic(account.TestToken), app.WithBearer(account.TestToken) })
        {
            var response = await client.GetAsync(WrenProbe, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task RevokedTokenIsRefusedInBothDialects()
    {
        var account = await app.CreateAccountAsync();
        var admin = app.Admin();
        var tokens = await admin.GetJsonAsync($"/admin/accounts/{account.Id}/tokens");
        var liveId = tokens["data"]!.AsArray().First(t => t!["mode"]!.GetValue<string>() == "live")!["id"]!.GetValue<long>();
        Assert.Equal(HttpStatusCode.OK, (await app.WithBearer(account.LiveToken).GetAsync(CnaughtProbe, Ct)).StatusCode);

        var revoked = await (await admin.DeleteAsync($"/admin/accounts/{account.Id}/tokens/{liveId}", Ct)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.NotNull(revoked["revoked_at"]);

        Assert.Equal(HttpStatusCode.Unauthorized, (await app.WithBearer(account.LiveToken).GetAsync(CnaughtProbe, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await app.WithBasic(account.LiveToken).GetAsync(WrenProbe, Ct)).StatusCode);
    }

    [Fact]
    public async Task PersonalTokenOfUserWithoutLoginIsNotAnAccountUser()
    {
        var account = await app.CreateAccountAsync();
        var admin = app.Admin();
        var withLogin = await admin.PostJsonAsync($"/admin/accounts/{account.Id}/users", new { email = $"{TestData.NewId()}@example.com" }, HttpStatusCode.Created);
        var noLogin = await admin.PostJsonAsync($"/admin/accounts/{account.Id}/users", new { email = $"{TestData.NewId()}@example.com", has_login = false }, HttpStatusCode.Created);
        var good = await admin.PostJsonAsync($"/admin/accounts/{account.Id}/tokens", new { mode = "live", kind = "personal", user_id = withLogin["id"]!.GetValue<long>() }, HttpStatusCode.Created);
        var bad = await admin.PostJsonAsync($"/admin/accounts/{account.Id}/tokens", new { mode = "live", kind = "personal", user_id = noLogin["id"]!.GetValue<long>() }, HttpStatusCode.Created);

        Assert.Equal(HttpStatusCode.OK, (await app.WithBasic(good["token"]!.GetValue<string>()).GetAsync(WrenProbe, Ct)).StatusCode);
        var refused = await (await app.WithBasic(bad["token"]!.GetValue<string>()).GetAsync(WrenProbe, Ct)).ReadJsonAsync(HttpStatusCode.Forbidden);
        Assert.Contains("not an account user", refused["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CnaughtWithoutOrWithUnknownKeyIs401ProblemTitledUnauthorized()
    {
        foreach (var client in new[] { app.Anonymous(), app.WithBearer("cnp_live_unknown"), app.WithBasic("cnp_live_unknown") })
        {
            var response = await client.GetAsync(CnaughtProbe, Ct);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var body = await response.ReadJsonAsync(HttpStatusCode.Unauthorized);
            Assert.Equal("Unauthorized", body["title"]!.GetValue<string>());
            Assert.Equal(401, body["status"]!.GetValue<int>());
        }
    }

    [Fact]
    public async Task CnaughtAcceptsLiveAndTestKeys()
    {
        var account = await app.CreateAccountAsync();
        Assert.Equal(HttpStatusCode.OK, (await app.WithBearer(account.LiveToken).GetAsync(CnaughtProbe, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.WithBearer(account.TestToken).GetAsync(CnaughtProbe, Ct)).StatusCode);
    }

    [Fact]
    public async Task OperatorApiNeedsTheAdminKey()
    {
        var anonymous = await (await app.Anonymous().GetAsync("/admin/accounts", Ct)).ReadJsonAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("Unauthorized", anonymous["title"]!.GetValue<string>());
        var account = await app.CreateAccountAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.WithBearer(account.LiveToken).GetAsync("/admin/accounts", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Admin().GetAsync("/admin/accounts", Ct)).StatusCode);
    }

    [Fact]
    public async Task TokensAreStoredOnlyAsHashes()
    {
        var account = await app.CreateAccountAsync();
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Canopy.Data.CanopyDbContext>();
        var stored = db.ApiTokens.Where(t => t.AccountId == account.Id).Select(t => new { t.Hash, t.Prefix }).ToList();
        Assert.Equal(2, stored.Count);
        Assert.All(stored, t =>
        {
            Assert.Matches("^[0-9a-f]{64}$", t.Hash);
            Assert.NotEqual(account.LiveToken, t.Hash);
            Assert.True(t.Prefix.Length < 20);
        });
        Assert.Contains(stored, t => t.Hash == Canopy.Accounts.Tokens.Hash(account.LiveToken));
    }
}

public sealed class AuthenticationTestsOnSqlite(SqliteApp app) : AuthenticationTests(app), IClassFixture<SqliteApp>;

public sealed class AuthenticationTestsOnPostgres(PostgresApp app) : AuthenticationTests(app), IClassFixture<PostgresApp>;
