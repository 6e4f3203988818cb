using System.Net;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Foundation;

public abstract class RateLimitTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ATokenOverItsLimitGets429WithRetryAfterInItsDialectsShape()
    {
        app.RequireAvailable();
        var wren = app.WithBearer("cnp_live_rate_limit_wren_" + TestData.NewId());
        var wrenStatuses = new List<HttpResponseMessage>();
        for (var i = 0; i < 6; i++) wrenStatuses.Add(await wren.GetAsync("/api/offset-orders", Ct));
        var limited = wrenStatuses.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.Equal(["message"], (await limited.ReadJsonAsync(HttpStatusCode.TooManyRequests)).Keys());

        var cnaught = app.WithBearer("cnp_live_rate_limit_cnaught_" + TestData.NewId());
        HttpResponseMessage? problem = null;
        for (var i = 0; i < 6 && problem is null; i++)
        {
            var r = await cnaught.GetAsync("/v1/portfolios", Ct);
            if (r.StatusCode == HttpStatusCode.TooManyRequests) problem = r;
        }
        Assert.NotNull(problem);
        Assert.Equal("application/problem+json", problem.Content.Headers.ContentType?.MediaType);
        var body = await problem.ReadJsonAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal("Too Many Requests", body["title"]!.GetValue<string>());
        Assert.Equal("https://api.cnaught.com/v1/errors/too-many-requests", body["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task ResponsesCarryTheRateLimitHeadersSoClientsCanPaceThemselves()
    {
        app.RequireAvailable();
        var account = await app.CreateAccountAsync();
        var first = await app.WithBasic(account.LiveToken).GetAsync("/api/offset-orders", Ct);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        // A bucket of 2 refilled at 1 per second: one left after the first request, full again in 1 s.
        Assert.Equal("\"token\";q=2;w=2", first.Headers.GetValues("RateLimit-Policy").Single());
        Assert.Equal("\"token\";r=1;t=1", first.Headers.GetValues("RateLimit").Single());
        var cnaught = await app.WithBearer(account.TestToken).GetAsync("/v1/portfolios", Ct);
        Assert.Equal(HttpStatusCode.OK, cnaught.StatusCode);
        Assert.Equal("\"token\";r=1;t=1", cnaught.Headers.GetValues("RateLimit").Single());
        // The operator API is not limited and says nothing about limits.
        Assert.False((await app.Admin().GetAsync("/admin/accounts", Ct)).Headers.Contains("RateLimit"));
    }

    [Fact]
    public async Task OneTokenHasOneBucketHoweverItIsSent()
    {
        app.RequireAvailable();
        var token = "cnp_live_one_bucket_" + TestData.NewId();
        var statuses = new List<HttpStatusCode>
        {
            (await app.WithBearer(token).GetAsync("/api/offset-orders", Ct)).StatusCode,
            (await app.WithBasic(token).GetAsync("/api/offset-orders", Ct)).StatusCode,
        };
        var lower = app.Anonymous();
        lower.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "bearer " + token);
        statuses.Add((await lower.GetAsync("/api/offset-orders", Ct)).StatusCode);
        statuses.Add((await app.WithBasic(token).GetAsync("/api/offset-orders", Ct)).StatusCode);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
    }

    [Fact]
    public async Task OneTokensLimitDoesNotTouchAnothers()
    {
        app.RequireAvailable();
        var noisy = app.WithBearer("cnp_live_noisy_" + TestData.NewId());
        for (var i = 0; i < 6; i++) await noisy.GetAsync("/v1/portfolios", Ct);
        var quiet = await app.WithBearer("cnp_live_quiet_" + TestData.NewId()).GetAsync("/v1/portfolios", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, quiet.StatusCode); // reached authentication: not rate limited
    }
}

public sealed class RateLimitTestsOnSqlite(RateLimitedSqliteApp app) : RateLimitTests(app), IClassFixture<RateLimitedSqliteApp>;

public sealed class RateLimitTestsOnPostgres(RateLimitedPostgresApp app) : RateLimitTests(app), IClassFixture<RateLimitedPostgresApp>;
