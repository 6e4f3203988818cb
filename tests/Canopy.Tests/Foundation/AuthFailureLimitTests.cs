using System.Diagnostics.Metrics;
using System.Net;
using Canopy.Tests.Infrastructure;
using Canopy.Tests.Wren;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Canopy.Tests.Foundation;

/// <summary>
/// Behind a known proxy (10.9.9.9): three failed authentications per client address, then 429 before any look-up.
/// Every request reaches the app from the proxy's address, with the client's in X-Forwarded-For.
/// </summary>
public abstract class AuthLimitedApp : CanopyApp
{
    public const string Proxy = "10.9.9.9";

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
        [new("Canopy:RateLimit:FailedAuthBurst", "3"), new("Canopy:RateLimit:FailedAuthPerMinute", "1"), new("Canopy:KnownProxies", Proxy)];

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<IStartupFilter>(new FromProxy());

    private sealed class FromProxy : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((http, inner) =>
            {
                http.Connection.RemoteIpAddress = IPAddress.Parse(Proxy);
                return inner(http);
            });
            next(app);
        };
    }
}

public sealed class AuthLimitedSqliteApp : AuthLimitedApp
{
    public override Db Db => Db.Sqlite;
}

public sealed class AuthLimitedPostgresApp : AuthLimitedApp
{
    public override Db Db => Db.Postgres;
}

public abstract class AuthFailureLimitTests(AuthLimitedApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string NewAddress() => $"203.0.{Random.Shared.Next(1, 255)}.{Random.Shared.Next(1, 255)}";

    private HttpClient From(string address, string token)
    {
        var client = app.WithBearer(token);
        client.DefaultRequestHeaders.Add("X-Forwarded-For", address);
        return client;
    }

    private MetricCollector<long> Lookups() =>
        new(app.Services.GetRequiredService<IMeterFactory>(), "Canopy", "canopy.auth.token_lookups");

    [Fact]
    public async Task ADifferentUnknownTokenOnEachRequestIsThrottledPerClientAddressBeforeAnyLookup()
    {
        app.RequireAvailable();
        var account = await app.CreateAccountAsync();
        var address = NewAddress();
        // A customer at the same address whose token this node already knows keeps working.
        var customer = From(address, account.LiveToken);
        Assert.Equal(HttpStatusCode.OK, (await customer.GetAsync("/api/offset-orders", Ct)).StatusCode);

        using var lookups = Lookups();
        for (var i = 0; i < 3; i++)
            await (await From(address, "cnp_live_guess_" + TestData.NewId()).GetAsync("/api/offset-orders", Ct)).ReadWrenErrorAsync(HttpStatusCode.Forbidden);
        var wren = await From(address, "cnp_live_guess_" + TestData.NewId()).GetAsync("/api/offset-orders", Ct);
        await wren.ReadWrenErrorAsync(HttpStatusCode.TooManyRequests);
        Assert.True(wren.Headers.RetryAfter is not null);
        var cnaught = await From(address, "cnp_live_guess_" + TestData.NewId()).GetAsync("/v1/orders", Ct);
        var problem = await cnaught.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal("https://api.cnaught.com/v1/errors/too-many-requests", problem["type"]!.GetValue<string>());
        Assert.Equal(3, lookups.GetMeasurementSnapshot().EvaluateAsCounter());

        Assert.Equal(HttpStatusCode.OK, (await customer.GetAsync("/api/offset-orders", Ct)).StatusCode);
        // Another client address is not affected.
        await (await From(NewAddress(), "cnp_live_guess_" + TestData.NewId()).GetAsync("/api/offset-orders", Ct)).ReadWrenErrorAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task AnUnknownTokenRepeatedIsLookedUpOnceThenAnsweredFromTheNegativeCache()
    {
        app.RequireAvailable();
        using var lookups = Lookups();
        var token = "cnp_live_revoked_or_made_up_" + TestData.NewId();
        // Each request from its own address, so that only the negative cache can spare the database.
        for (var i = 0; i < 10; i++)
            await (await From(NewAddress(), token).GetAsync("/api/offset-orders", Ct)).ReadWrenErrorAsync(HttpStatusCode.Forbidden);
        Assert.Equal(1, lookups.GetMeasurementSnapshot().EvaluateAsCounter());
    }

    [Fact]
    public async Task ARevokedTokenIsRefusedAtOnceAndANewTokenWorksAtOnce()
    {
        app.RequireAvailable();
        var account = await app.CreateAccountAsync();
        var client = From(NewAddress(), account.LiveToken);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/offset-orders", Ct)).StatusCode);
        var tokens = (await app.Admin().GetJsonAsync($"/admin/accounts/{account.Id}/tokens"))["data"]!.AsArray();
        var live = tokens.First(t => t!["mode"]!.GetValue<string>() == "live")!["id"]!.GetValue<long>();
        Assert.Equal(HttpStatusCode.OK, (await app.Admin().DeleteAsync($"/admin/accounts/{account.Id}/tokens/{live}", Ct)).StatusCode);
        await (await client.GetAsync("/api/offset-orders", Ct)).ReadWrenErrorAsync(HttpStatusCode.Forbidden);
    }
}

public sealed class AuthFailureLimitTestsOnSqlite(AuthLimitedSqliteApp app) : AuthFailureLimitTests(app), IClassFixture<AuthLimitedSqliteApp>;

public sealed class AuthFailureLimitTestsOnPostgres(AuthLimitedPostgresApp app) : AuthFailureLimitTests(app), IClassFixture<AuthLimitedPostgresApp>;
