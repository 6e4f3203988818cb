using System.Globalization;
using System.Net;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Wren;

/// <summary>
/// Every Wren POST refuses bad input with 400 {"message"} naming the field, never 500, and writes nothing.
/// Bodies use PORTFOLIO and PROJECT for ids made by the test, so only the field under test is wrong.
/// </summary>
public abstract class WrenBadInputTests(CanopyApp app)
{
    private const string Json = "application/json";
    private const string Form = "application/x-www-form-urlencoded";

    private static readonly string Long201 = new('n', 201);
    private static readonly string Note1001 = new('x', 1001);
    private static readonly string Email321 = new string('e', 321 - "@example.com".Length) + "@example.com";

    public static TheoryData<string, string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string, string>();
        const string oo = "/api/offset-orders", po = "/api/project-orders", to = "/api/tree-orders", tp = "/api/tree-orders/preview";

        // Offset orders, JSON.
        data.Add(oo, Json, """{"tons":"abc","portfolioId":PORTFOLIO}""", "tons");
        data.Add(oo, Json, """{"tons":true,"portfolioId":PORTFOLIO}""", "tons");
        data.Add(oo, Json, """{"tons":[1],"portfolioId":PORTFOLIO}""", "tons");
        data.Add(oo, Json, """{"tons":{"v":1},"portfolioId":PORTFOLIO}""", "tons");
        data.Add(oo, Json, """{"tons":0,"portfolioId":PORTFOLIO}""", "tons");
        data.Add(oo, Json, """{"tons":-1,"portfolioId":PORTFOLIO}""", "tons");
        data.Add(oo, Json, """{"tons":"NaN","portfolioId":PORTFOLIO}""", "tons");
        data.Add(oo, Json, """{"tons":"Infinity","portfolioId":PORTFOLIO}""", "tons");
        data.Add(oo, Json, """{"tons":1e30,"portfolioId":PORTFOLIO}""", "tons");
        data.Add(oo, Json, """{"tons":10000001,"portfolioId":PORTFOLIO}""", "tons");
        data.Add(oo, Json, """{"tons":0.0000004,"portfolioId":PORTFOLIO}""", "tons");
        data.Add(oo, Json, """{"portfolioId":PORTFOLIO}""", "tons");
        data.Add(oo, Json, """{"tons":null,"portfolioId":PORTFOLIO}""", "tons");
        data.Add(oo, Json, """{"tons":1,"portfolioId":"x"}""", "portfolioId");
        data.Add(oo, Json, """{"tons":1,"portfolioId":1.5}""", "portfolioId");
        data.Add(oo, Json, """{"tons":1,"portfolioId":-3}""", "portfolioId");
        data.Add(oo, Json, """{"tons":1,"portfolioId":987654321}""", "portfolioId");
        data.Add(oo, Json, """{"tons":1,"portfolioId":PORTFOLIO,"paymentMethod":"bitcoin"}""", "paymentMethod");
        data.Add(oo, Json, """{"tons":1,"portfolioId":PORTFOLIO,"paymentMethod":7}""", "paymentMethod");
        data.Add(oo, Json, """{"tons":1,"portfolioId":PORTFOLIO,"dryRun":"maybe"}""", "dryRun");
        data.Add(oo, Json, """{"tons":1,"portfolioId":PORTFOLIO,"sendReceiptEmail":5}""", "sendReceiptEmail");
        data.Add(oo, Json, """{"tons":1,"portfolioId":PORTFOLIO,"note":5}""", "note");
        data.Add(oo, Json, $$"""{"tons":1,"portfolioId":PORTFOLIO,"note":"{{Note1001}}"}""", "note");
        data.Add(oo, Json, $$"""{"tons":1,"portfolioId":PORTFOLIO,"onBehalfOfName":"{{Long201}}"}""", "onBehalfOfName");
        data.Add(oo, Json, $$"""{"tons":1,"portfolioId":PORTFOLIO,"onBehalfOfEmail":"{{Email321}}"}""", "onBehalfOfEmail");
        data.Add(oo, Json, """{"tons":1,"portfolioId":PORTFOLIO,"onBehalfOfEmail":"not an email"}""", "onBehalfOfEmail");
        data.Add(oo, Json, """{"tons":1,"portfolioId":PORTFOLIO,"note":"a\u0000b"}""", "note");
        data.Add(oo, Json, """{"tons":1,"portfolioId":PORTFOLIO,"onBehalfOfName":"\u0000"}""", "onBehalfOfName");
        data.Add(oo, Json, """{"tons":1,"portfolioId":PORTFOLIO,"note":"a\ud800b"}""", "note");
        data.Add(oo, Json, """{"tons":1,"portfolioId":PORTFOLIO,""", "body");
        data.Add(oo, Json, """{"tons":1 "portfolioId":PORTFOLIO}""", "body");
        data.Add(oo, Json, "", "tons");
        data.Add(oo, Json, "null", "body");
        data.Add(oo, Json, "[]", "body");
        data.Add(oo, Json, "\"tons\"", "body");
        data.Add(oo, Json, "not json at all", "body");
        data.Add(oo, Json, """{"tons":1,"portfolioId":PORTFOLIO,"note":""" + new string('[', 100) + new string(']', 100) + "}", "note"); // too deep to bind: named by the field it sits in

        // Offset orders, form.
        data.Add(oo, Form, "tons=abc&portfolioId=PORTFOLIO", "tons");
        data.Add(oo, Form, "tons=NaN&portfolioId=PORTFOLIO", "tons");
        data.Add(oo, Form, "tons=Infinity&portfolioId=PORTFOLIO", "tons");
        data.Add(oo, Form, "tons=1e30&portfolioId=PORTFOLIO", "tons");
        data.Add(oo, Form, "tons=-0.5&portfolioId=PORTFOLIO", "tons");
        data.Add(oo, Form, "tons=&portfolioId=PORTFOLIO", "tons");
        data.Add(oo, Form, "portfolioId=PORTFOLIO", "tons");
        data.Add(oo, Form, "tons=1&portfolioId=x", "portfolioId");
        data.Add(oo, Form, "tons=1&portfolioId=PORTFOLIO&note=a%00b", "note");
        data.Add(oo, Json, """{"tons":1,"portfolioId":PORTFOLIO,"note":"a\ud800b"}""", "note");
        data.Add(oo, Form, "tons=1&portfolioId=PORTFOLIO&dryRun=maybe", "dryRun");
        data.Add(oo, Form, "tons=1&portfolioId=PORTFOLIO&paymentMethod=bitcoin", "paymentMethod");
        data.Add(oo, Form, $"tons=1&portfolioId=PORTFOLIO&onBehalfOfName={Long201}", "onBehalfOfName");
        data.Add(oo, Form, $"tons=1&portfolioId=PORTFOLIO&onBehalfOfEmail={Uri.EscapeDataString(Email321)}", "onBehalfOfEmail");

        // Project orders.
        data.Add(po, Json, """{"projectId":"x","amountInUsdCents":1000}""", "projectId");
        data.Add(po, Json, """{"projectId":1.5,"amountInUsdCents":1000}""", "projectId");
        data.Add(po, Json, """{"projectId":0,"amountInUsdCents":1000}""", "projectId");
        data.Add(po, Json, """{"projectId":-1,"amountInUsdCents":1000}""", "projectId");
        data.Add(po, Json, """{"amountInUsdCents":1000}""", "projectId");
        data.Add(po, Json, """{"projectId":PROJECT,"amountInUsdCents":"abc"}""", "amountInUsdCents");
        data.Add(po, Json, """{"projectId":PROJECT,"amountInUsdCents":100.5}""", "amountInUsdCents");
        data.Add(po, Json, """{"projectId":PROJECT,"amountInUsdCents":1e30}""", "amountInUsdCents");
        data.Add(po, Json, """{"projectId":PROJECT,"amountInUsdCents":99999999999999999999}""", "amountInUsdCents");
        data.Add(po, Json, """{"projectId":PROJECT,"amountInUsdCents":10000000001}""", "amountInUsdCents");
        data.Add(po, Json, """{"projectId":PROJECT}""", "amountInUsdCents");
        data.Add(po, Json, """{"projectId":PROJECT,"amountInUsdCents":1000,"paymentMethod":"bitcoin"}""", "paymentMethod");
        data.Add(po, Json, $$"""{"projectId":PROJECT,"amountInUsdCents":1000,"onBehalfOfName":"{{Long201}}"}""", "onBehalfOfName");
        data.Add(po, Json, $$"""{"projectId":PROJECT,"amountInUsdCents":1000,"onBehalfOfEmail":"{{Email321}}"}""", "onBehalfOfEmail");
        data.Add(po, Json, $$"""{"projectId":PROJECT,"amountInUsdCents":1000,"note":"{{Note1001}}"}""", "note");
        data.Add(po, Json, """{"projectId":PROJECT,"amountInUsdCents":""", "body");
        data.Add(po, Json, "", "projectId");
        data.Add(po, Form, "projectId=PROJECT&amountInUsdCents=NaN", "amountInUsdCents");
        data.Add(po, Form, "projectId=PROJECT&amountInUsdCents=12.5", "amountInUsdCents");
        data.Add(po, Form, "projectId=x&amountInUsdCents=1000", "projectId");
        data.Add(po, Form, "projectId=PROJECT&amountInUsdCents=1000&onBehalfOfEmail=nope", "onBehalfOfEmail");

        // Tree orders and the preview.
        data.Add(to, Json, """{"amountOfTrees":1.5}""", "amountOfTrees");
        data.Add(to, Json, """{"amountOfTrees":"abc"}""", "amountOfTrees");
        data.Add(to, Json, """{"amountOfTrees":0}""", "amountOfTrees");
        data.Add(to, Json, """{"amountOfTrees":-2}""", "amountOfTrees");
        data.Add(to, Json, """{"amountOfTrees":1e30}""", "amountOfTrees");
        data.Add(to, Json, """{"amountOfTrees":10000001}""", "amountOfTrees");
        data.Add(to, Json, "{}", "amountOfTrees");
        data.Add(to, Json, """{"amountOfTrees":2,"paymentMethod":"bitcoin"}""", "paymentMethod");
        data.Add(to, Json, $$"""{"amountOfTrees":2,"onBehalfOfName":"{{Long201}}"}""", "onBehalfOfName");
        data.Add(to, Json, $$"""{"amountOfTrees":2,"onBehalfOfEmail":"{{Email321}}"}""", "onBehalfOfEmail");
        data.Add(to, Json, """{"amountOfTrees":2,"onBehalfOfEmail":"@"}""", "onBehalfOfEmail");
        data.Add(to, Json, $$"""{"amountOfTrees":2,"note":"{{Note1001}}"}""", "note");
        data.Add(to, Json, """{"amountOfTrees":2,"note":"\u0000"}""", "note");
        data.Add(po, Json, """{"projectId":PROJECT,"amountInUsdCents":1000,"onBehalfOfEmail":"a\u0000@example.com"}""", "onBehalfOfEmail");
        data.Add(to, Json, """{"amountOfTrees":2""", "body");
        data.Add(to, Form, "amountOfTrees=1.5", "amountOfTrees");
        data.Add(to, Form, "amountOfTrees=NaN", "amountOfTrees");
        data.Add(to, Form, "amountOfTrees=2&paymentMethod=bitcoin", "paymentMethod");
        data.Add(tp, Json, """{"amountOfTrees":1.5}""", "amountOfTrees");
        data.Add(tp, Json, """{"amountOfTrees":0}""", "amountOfTrees");
        data.Add(tp, Json, "", "amountOfTrees");
        data.Add(tp, Json, "{", "body");
        data.Add(tp, Form, "amountOfTrees=abc", "amountOfTrees");
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadInputIs400NamingTheFieldAndWritesNothing(string url, string contentType, string body, string field)
    {
        var (portfolio, project) = await app.SingleProjectPortfolioAsync(1_000);
        await app.CreateProjectAsync(100, kind: "tree");
        var account = await app.CreateAccountAsync(creditsUsdCents: 100_000);
        await app.GiveCardAsync(account.Id);
        var before = await app.FootprintAsync(account.Id);
        body = body.Replace("PORTFOLIO", portfolio.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
                   .Replace("PROJECT", project.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

        foreach (var token in new[] { account.LiveToken, account.TestToken })
        {
            var response = await app.WithBasic(token).PostRawAsync(url, body, contentType);
            var message = await response.ReadWrenErrorAsync(HttpStatusCode.BadRequest);
            Assert.Contains(field, message, StringComparison.Ordinal);
        }

        Assert.Equal(before, await app.FootprintAsync(account.Id));
    }

    [Fact]
    public async Task EveryPostWithoutCredentialsIs403()
    {
        foreach (var url in new[] { "/api/offset-orders", "/api/project-orders", "/api/tree-orders", "/api/tree-orders/preview" })
            await (await app.Anonymous().PostRawAsync(url, "{}")).ReadWrenErrorAsync(HttpStatusCode.Forbidden);
    }
}

public sealed class WrenBadInputTestsOnSqlite(SqliteApp app) : WrenBadInputTests(app), IClassFixture<SqliteApp>;

public sealed class WrenBadInputTestsOnPostgres(PostgresApp app) : WrenBadInputTests(app), IClassFixture<PostgresApp>;
