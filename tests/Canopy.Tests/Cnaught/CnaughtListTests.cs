using System.Net;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Cnaught;

public abstract class CnaughtListTests(CanopyApp app)
{
    /// <summary>Five orders placed one after another; returned oldest first.</summary>
    private static async Task<string[]> PlaceFiveAsync(CnaughtCustomer c, string? subaccount = null)
    {
        var ids = new List<string>();
        for (var i = 1; i <= 5; i++)
            ids.Add((await c.Live.PlaceOrderAsync(new { amount_kg = i }, subaccount))["id"]!.GetValue<string>());
        return [.. ids];
    }

    [Fact]
    public async Task ListIsNewestFirstWithTheOrderShape()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var o = await PlaceFiveAsync(c);
        var ride = (await (await c.Live.SendAsync(HttpMethod.Post, "/v1/orders/ride", new { distance_km = 4 })).ReadJsonAsync(HttpStatusCode.Created))["id"]!.GetValue<string>();

        var list = await c.Live.GetJsonAsync("/v1/orders");
        Assert.Equal(["data"], list.Keys());
        Assert.Equal([ride, o[4], o[3], o[2], o[1], o[0]], list.Ids());
        var data = list["data"]!.AsArray();
        Assert.Equal(CnaughtKit.RideOrderKeys, data[0].Keys());
        Assert.All(data.Skip(1), x => Assert.Equal(CnaughtKit.OrderKeys, x.Keys()));
        Assert.All(data, x => Assert.Matches(CnaughtKit.TimestampPattern, x!["created_on"]!.GetValue<string>()));
    }

    [Fact]
    public async Task CursorsPageForwardAndBackConsistently()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var o = await PlaceFiveAsync(c);

        // Forward: first page, middle page, last page (fewer than limit), then nothing.
        var first = await c.Live.GetJsonAsync("/v1/orders?limit=2");
        Assert.Equal([o[4], o[3]], first.Ids());
        var second = await c.Live.GetJsonAsync($"/v1/orders?limit=2&starting_after={o[3]}");
        Assert.Equal([o[2], o[1]], second.Ids());
        var last = await c.Live.GetJsonAsync($"/v1/orders?limit=2&starting_after={o[1]}");
        Assert.Equal([o[0]], last.Ids());
        Assert.Empty((await c.Live.GetJsonAsync($"/v1/orders?limit=2&starting_after={o[0]}")).Ids());

        // Back from the last page with its first id: the page before it, in the same order.
        Assert.Equal(second.Ids(), (await c.Live.GetJsonAsync($"/v1/orders?limit=2&ending_before={o[0]}")).Ids());
        Assert.Equal(first.Ids(), (await c.Live.GetJsonAsync($"/v1/orders?limit=2&ending_before={o[2]}")).Ids());
        // Fewer than limit newer orders: only those.
        Assert.Equal([o[4]], (await c.Live.GetJsonAsync($"/v1/orders?limit=2&ending_before={o[3]}")).Ids());
        Assert.Empty((await c.Live.GetJsonAsync($"/v1/orders?ending_before={o[4]}")).Ids());

        // Every order exactly once when paging one at a time, either way.
        var forward = new List<string>();
        string? cursor = null;
        while (true)
        {
            var page = await c.Live.GetJsonAsync("/v1/orders?limit=1" + (cursor is null ? "" : $"&starting_after={cursor}"));
            if (page.Ids().Length == 0) break;
            forward.AddRange(page.Ids());
            cursor = page.Ids()[^1];
        }
        Assert.Equal(o.Reverse(), forward);
        var backward = new List<string>();
        cursor = o[0];
        while (true)
        {
            var page = await c.Live.GetJsonAsync($"/v1/orders?limit=1&ending_before={cursor}");
            if (page.Ids().Length == 0) break;
            backward.AddRange(page.Ids());
            cursor = page.Ids()[0];
        }
        Assert.Equal(o.Skip(1), backward);

        Assert.Equal(5, (await c.Live.GetJsonAsync("/v1/orders?limit=100")).Ids().Length);
        Assert.Single((await c.Live.GetJsonAsync("/v1/orders?limit=1")).Ids());
    }

    [Fact]
    public async Task DefaultLimitIsTwenty()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        for (var i = 0; i < 21; i++) await c.Test.PlaceOrderAsync(new { amount_kg = 1 });
        Assert.Equal(20, (await c.Test.GetJsonAsync("/v1/orders")).Ids().Length);
        Assert.Equal(21, (await c.Test.GetJsonAsync("/v1/orders?limit=21")).Ids().Length);
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=101")]
    [InlineData("limit=x")]
    [InlineData("limit=-1")]
    [InlineData("limit=1.5")]
    [InlineData("limit=99999999999999999999")]
    [InlineData("starting_after=nope00000000")]
    [InlineData("ending_before=nope00000000")]
    public async Task BadPaginationIsInvalidPagination(string query)
    {
        var c = await app.CreateCnaughtCustomerAsync();
        await c.Live.PlaceOrderAsync(new { amount_kg = 1 });
        await (await c.Live.SendAsync(HttpMethod.Get, "/v1/orders?" + query)).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-pagination");
        await (await c.Live.SendAsync(HttpMethod.Get, "/v1/subaccounts?" + query)).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-pagination");
    }

    [Fact]
    public async Task BothCursorsAreInvalidPagination()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var o = await PlaceFiveAsync(c);
        await (await c.Live.SendAsync(HttpMethod.Get, $"/v1/orders?starting_after={o[3]}&ending_before={o[1]}"))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-pagination");
    }

    [Fact]
    public async Task CursorFromAnotherAccountOrModeIsInvalidPagination()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var other = await app.CreateCnaughtCustomerAsync();
        await c.Live.PlaceOrderAsync(new { amount_kg = 1 });
        var theirs = (await other.Live.PlaceOrderAsync(new { amount_kg = 1 }))["id"]!.GetValue<string>();
        var sandbox = (await c.Test.PlaceOrderAsync(new { amount_kg = 1 }))["id"]!.GetValue<string>();
        foreach (var cursor in new[] { theirs, sandbox })
        {
            await (await c.Live.SendAsync(HttpMethod.Get, $"/v1/orders?starting_after={cursor}")).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-pagination");
            await (await c.Live.SendAsync(HttpMethod.Get, $"/v1/orders?ending_before={cursor}")).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-pagination");
        }
    }

    [Fact]
    public async Task SubaccountHeaderListsOnlyThatSubaccountsOrders()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var a = (await c.Live.PostJsonAsync("/v1/subaccounts", new { name = "A" }, HttpStatusCode.Created))["id"]!.GetValue<string>();
        var b = (await c.Live.PostJsonAsync("/v1/subaccounts", new { name = "B" }, HttpStatusCode.Created))["id"]!.GetValue<string>();
        var inA = await PlaceFiveAsync(c, a);
        var inB = (await c.Live.PlaceOrderAsync(new { amount_kg = 1 }, b))["id"]!.GetValue<string>();
        var parent = (await c.Live.PlaceOrderAsync(new { amount_kg = 1 }))["id"]!.GetValue<string>();

        var listA = await c.Live.GetJsonForAsync("/v1/orders", a);
        Assert.Equal(inA.Reverse(), listA.Ids());
        Assert.All(listA["data"]!.AsArray(), x => Assert.Equal(a, x!["subaccount_id"]!.GetValue<string>()));
        Assert.Equal([inB], (await c.Live.GetJsonForAsync("/v1/orders", b)).Ids());
        // Without the header: everything, sub-accounts included.
        Assert.Equal(7, (await c.Live.GetJsonAsync("/v1/orders")).Ids().Length);

        Assert.Equal([inA[2], inA[1]], (await c.Live.GetJsonForAsync($"/v1/orders?limit=2&starting_after={inA[3]}", a)).Ids());
        // A cursor outside the selected subaccount is not a position in its list.
        foreach (var cursor in new[] { inB, parent })
            await (await c.Live.SendAsync(HttpMethod.Get, $"/v1/orders?starting_after={cursor}", subaccount: a))
                .AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-pagination");
    }

    [Fact]
    public async Task SubaccountListPagesWithCursorsAndIsPerAccount()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var other = await app.CreateCnaughtCustomerAsync();
        var theirs = (await other.Live.PostJsonAsync("/v1/subaccounts", new { name = "Theirs" }, HttpStatusCode.Created))["id"]!.GetValue<string>();
        var s = new List<string>();
        for (var i = 0; i < 3; i++)
            s.Add((await c.Live.PostJsonAsync("/v1/subaccounts", new { name = $"Sub {i}" }, HttpStatusCode.Created))["id"]!.GetValue<string>());

        var all = await c.Live.GetJsonAsync("/v1/subaccounts");
        Assert.Equal(["data"], all.Keys());
        Assert.Equal([s[2], s[1], s[0]], all.Ids());
        Assert.All(all["data"]!.AsArray(), x => Assert.Equal(CnaughtKit.SubaccountKeys, x.Keys()));
        Assert.Equal([s[2], s[1]], (await c.Live.GetJsonAsync("/v1/subaccounts?limit=2")).Ids());
        Assert.Equal([s[0]], (await c.Live.GetJsonAsync($"/v1/subaccounts?limit=2&starting_after={s[1]}")).Ids());
        Assert.Equal([s[2], s[1]], (await c.Live.GetJsonAsync($"/v1/subaccounts?limit=2&ending_before={s[0]}")).Ids());
        Assert.Equal([s[2]], (await c.Live.GetJsonAsync($"/v1/subaccounts?ending_before={s[1]}")).Ids());
        await (await c.Live.SendAsync(HttpMethod.Get, $"/v1/subaccounts?starting_after={theirs}")).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-pagination");
        await (await c.Live.SendAsync(HttpMethod.Get, $"/v1/subaccounts?starting_after={s[0]}&ending_before={s[2]}")).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-pagination");
    }
}

public sealed class CnaughtListTestsOnSqlite(SqliteApp app) : CnaughtListTests(app), IClassFixture<SqliteApp>;

public sealed class CnaughtListTestsOnPostgres(PostgresApp app) : CnaughtListTests(app), IClassFixture<PostgresApp>;
