using System.Net;
using System.Net.Http.Headers;
using Canopy.Data;
using Canopy.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Tests.Cnaught;

/// <summary>Subaccounts belong to the mode of the key that made them: a test key never sees or changes live ones.</summary>
public abstract class CnaughtSandboxSubaccountTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TestKeysAndLiveKeysHaveSeparateSubaccounts()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var live = await c.Live.PostJsonAsync("/v1/subaccounts", new { name = "Live team" }, HttpStatusCode.Created);
        var sandbox = await c.Test.PostJsonAsync("/v1/subaccounts", new { name = "Sandbox team" }, HttpStatusCode.Created);
        var liveId = live["id"]!.GetValue<string>();
        var sandboxId = sandbox["id"]!.GetValue<string>();

        Assert.Equal([liveId], (await c.Live.GetJsonAsync("/v1/subaccounts"))["data"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()));
        Assert.Equal([sandboxId], (await c.Test.GetJsonAsync("/v1/subaccounts"))["data"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()));

        // The test key cannot read, rename, or re-point the live subaccount, nor order for it.
        Assert.Equal(HttpStatusCode.NotFound, (await c.Test.GetAsync($"/v1/subaccounts/{liveId}", Ct)).StatusCode);
        var put = await c.Test.SendAsync(HttpMethod.Put, $"/v1/subaccounts/{liveId}", new { name = "Hijacked" });
        Assert.Equal(HttpStatusCode.NotFound, put.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await c.Test.DeleteAsync($"/v1/subaccounts/{liveId}/logo", Ct)).StatusCode);
        var order = await c.Test.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 1 }, subaccount: liveId);
        Assert.Equal(HttpStatusCode.BadRequest, order.StatusCode);
        Assert.Equal("Live team", (await c.Live.GetJsonAsync($"/v1/subaccounts/{liveId}"))["name"]!.GetValue<string>());

        // And the live key does not see the sandbox one.
        Assert.Equal(HttpStatusCode.NotFound, (await c.Live.GetAsync($"/v1/subaccounts/{sandboxId}", Ct)).StatusCode);
    }

    [Fact]
    public async Task ConcurrentLogoUploadsLeaveExactlyOneLogo()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var sub = await c.Live.PostJsonAsync("/v1/subaccounts", new { name = "Logo team" }, HttpStatusCode.Created);
        var id = sub["id"]!.GetValue<string>();
        var png = Convert.FromBase64String("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
        {
            var content = new ByteArrayContent(png);
            content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
            return app.WithBearer(c.Account.LiveToken).PutAsync($"/v1/subaccounts/{id}/logo", content, Ct);
        }));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));

        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        var subaccount = await db.Subaccounts.AsNoTracking().SingleAsync(s => s.PublicId == id, Ct);
        var logos = await db.SubaccountLogos.AsNoTracking().Where(l => l.SubaccountId == subaccount.Id).Select(l => l.Id).ToListAsync(Ct);
        Assert.Single(logos);
        Assert.Equal("/logos/" + logos[0], subaccount.LogoUrl);
    }
}

public sealed class CnaughtSandboxSubaccountTestsOnSqlite(SqliteApp app) : CnaughtSandboxSubaccountTests(app), IClassFixture<SqliteApp>;

public sealed class CnaughtSandboxSubaccountTestsOnPostgres(PostgresApp app) : CnaughtSandboxSubaccountTests(app), IClassFixture<PostgresApp>;
