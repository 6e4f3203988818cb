using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Canopy.Tests.Infrastructure;
using Microsoft.Extensions.Caching.Memory;

namespace Canopy.Tests.Cnaught;

public abstract class CnaughtSubaccountTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A 1×1 PNG.</summary>
    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==");

    /// <summary>A JPEG's structure: SOI, JFIF APP0, a 1×1 frame header, a scan header, one byte of scan, EOI.</summary>
    private static readonly byte[] Jpeg =
    [
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
        0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x01, 0x00, 0x01, 0x01, 0x01, 0x11, 0x00,
        0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x00, 0xFF, 0xD9,
    ];

    /// <summary>A real (decodable) JPEG of the given size, made with ImageSharp.</summary>
    private static byte[] RealJpeg(int width, int height)
    {
        using var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(width, height, new SixLabors.ImageSharp.PixelFormats.Rgb24(10, 120, 60));
        using var stream = new MemoryStream();
        SixLabors.ImageSharp.ImageExtensions.SaveAsJpeg(image, stream);
        return stream.ToArray();
    }

    /// <summary>
    /// A PNG like the one CNaught's SDK 3.1.0 uploads in its own suite: 7000×3000 and about 938 KiB. White, with rows of
    /// seeded noise (incompressible) to reach the size.
    /// </summary>
    private static byte[] LargeSdkPng()
    {
        using var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(7000, 3000, new SixLabors.ImageSharp.PixelFormats.Rgb24(255, 255, 255));
        var random = new Random(938);
        var noise = new byte[3];
        for (var y = 1000; y < 1042; y++)
            for (var x = 0; x < 7000; x++)
            {
                random.NextBytes(noise);
                image[x, y] = new SixLabors.ImageSharp.PixelFormats.Rgb24(noise[0], noise[1], noise[2]);
            }
        using var stream = new MemoryStream();
        SixLabors.ImageSharp.ImageExtensions.SaveAsPng(image, stream);
        return stream.ToArray();
    }

    /// <summary>The 1×1 PNG grown to <paramref name="size"/> bytes by a text chunk before IEND (a well-formed PNG).</summary>
    internal static byte[] PngOfSize(int size)
    {
        const int iend = 12;
        var head = Png[..^iend];
        var text = new byte[size - head.Length - iend - 12];
        "Comment\0"u8.CopyTo(text);
        for (var i = 8; i < text.Length; i++) text[i] = (byte)'x';
        var chunk = new byte[12 + text.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(chunk, (uint)text.Length);
        "tEXt"u8.CopyTo(chunk.AsSpan(4));
        text.CopyTo(chunk, 8);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(chunk.AsSpan(8 + text.Length), Crc32(chunk.AsSpan(4, 4 + text.Length)));
        return [.. head, .. chunk, .. Png[^iend..]];
    }

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var c = 0xFFFFFFFFu;
        foreach (var x in bytes)
        {
            c ^= x;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        }
        return c ^ 0xFFFFFFFFu;
    }

    private Task<HttpResponseMessage> PutLogoAsync(HttpClient client, string id, byte[] bytes, string contentType)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        return client.PutAsync($"/v1/subaccounts/{id}/logo", content, Ct);
    }

    [Fact]
    public async Task CreateIs201WithTheSdkShapeAndGetReturnsIt()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var sub = await c.Live.PostJsonAsync("/v1/subaccounts", new { name = "Marketing Department" }, HttpStatusCode.Created);
        Assert.Equal(CnaughtKit.SubaccountKeys, sub.Keys());
        Assert.Equal(8, sub["id"]!.GetValue<string>().Length);
        Assert.Equal("Marketing Department", sub["name"]!.GetValue<string>());
        Assert.Matches(CnaughtKit.TimestampPattern, sub["created_on"]!.GetValue<string>());
        Assert.Null(sub["email"]);
        Assert.Null(sub["default_portfolio_id"]);
        Assert.Null(sub["logo_url"]);
        Assert.True(JsonNode.DeepEquals(sub, await c.Live.GetJsonAsync($"/v1/subaccounts/{sub["id"]}")));

        var full = await c.Live.PostJsonAsync("/v1/subaccounts", new { name = "Sales", email = "sales@example.com", default_portfolio_id = c.PortfolioId }, HttpStatusCode.Created);
        Assert.Equal(c.PortfolioId, full["default_portfolio_id"]!.GetValue<string>());
        Assert.Equal("sales@example.com", full["email"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(full, await c.Live.GetJsonAsync($"/v1/subaccounts/{full["id"]}")));
    }

    [Theory]
    [InlineData("""{}""", "name")]
    [InlineData("""{"name": ""}""", "name")]
    [InlineData("""{"name": "N513"}""", "name")]
    [InlineData("""{"name": 5}""", "name")]
    [InlineData("""{"name": "S", "email": "not an email"}""", "email")]
    [InlineData("""{"name": "S", "default_portfolio_id": "nope"}""", "default_portfolio_id")]
    [InlineData("""{"name": "S", "default_portfolio_id": 7}""", "default_portfolio_id")]
    [InlineData("{", "body")]
    public async Task BadSubaccountInputIsInvalidParameters(string body, string field)
    {
        var c = await app.CreateCnaughtCustomerAsync();
        body = body.Replace("N513", new string('n', 513), StringComparison.Ordinal);
        await (await c.Live.SendAsync(HttpMethod.Post, "/v1/subaccounts", body)).AssertInvalidAsync(field);
        Assert.Empty((await c.Live.GetJsonAsync("/v1/subaccounts")).Ids());

        var sub = (await c.Live.PostJsonAsync("/v1/subaccounts", new { name = "Keep", email = "keep@example.com" }, HttpStatusCode.Created))["id"]!.GetValue<string>();
        await (await c.Live.SendAsync(HttpMethod.Put, $"/v1/subaccounts/{sub}", body)).AssertInvalidAsync(field);
        var unchanged = await c.Live.GetJsonAsync($"/v1/subaccounts/{sub}");
        Assert.Equal(("Keep", "keep@example.com"), (unchanged["name"]!.GetValue<string>(), unchanged["email"]!.GetValue<string>()));
    }

    [Fact]
    public async Task NameOf512CharactersIsAccepted()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var name = new string('n', 512);
        Assert.Equal(name, (await c.Live.PostJsonAsync("/v1/subaccounts", new { name }, HttpStatusCode.Created))["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task PutReplacesEverythingButTheLogo()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var sub = await c.Live.PostJsonAsync("/v1/subaccounts", new { name = "Old", email = "old@example.com", default_portfolio_id = c.PortfolioId }, HttpStatusCode.Created);
        var id = sub["id"]!.GetValue<string>();
        await PutLogoAsync(c.Live, id, Png, "image/png");

        var response = await c.Live.SendAsync(HttpMethod.Put, $"/v1/subaccounts/{id}", new { name = "New" });
        var updated = await response.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(CnaughtKit.SubaccountKeys, updated.Keys());
        Assert.Equal("New", updated["name"]!.GetValue<string>());
        Assert.Null(updated["email"]);
        Assert.Null(updated["default_portfolio_id"]);
        Assert.NotNull(updated["logo_url"]);
        Assert.Equal(sub["created_on"]!.GetValue<string>(), updated["created_on"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(updated, await c.Live.GetJsonAsync($"/v1/subaccounts/{id}")));

        var again = await (await c.Live.SendAsync(HttpMethod.Put, $"/v1/subaccounts/{id}", new { name = "Newer", email = "n@example.com", default_portfolio_id = c.PortfolioId })).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(c.PortfolioId, again["default_portfolio_id"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(again, await c.Live.GetJsonAsync($"/v1/subaccounts/{id}")));
    }

    [Fact]
    public async Task ASubaccountCreatedOnAnotherNodeWorksAtOnce()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var id = (await c.Live.PostJsonAsync("/v1/subaccounts", new { name = "Elsewhere" }, HttpStatusCode.Created))["id"]!.GetValue<string>();
        // This node's cached context, as another node would hold it from before the subaccount existed.
        var contexts = app.Services.GetRequiredService<Canopy.Accounts.AccountContextCache>();
        var current = await contexts.GetAsync(c.Account.Id, Ct);
        var stale = current with { Subaccounts = current.Subaccounts.Where(kv => kv.Key.Item1 != id).ToDictionary() };
        app.Services.GetRequiredService<IMemoryCache>()
            .Set("account-context:" + c.Account.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), stale);
        Assert.DoesNotContain(id, (await contexts.GetAsync(c.Account.Id, Ct)).Subaccounts.Keys.Select(k => k.Item1));

        var order = await (await c.Live.SendAsync(HttpMethod.Post, "/v1/orders", new { amount_kg = 1 }, subaccount: id)).ReadJsonAsync(HttpStatusCode.Created);
        Assert.Equal(id, order["subaccount_id"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, (await c.Live.SendAsync(HttpMethod.Get, "/v1/orders", subaccount: id)).StatusCode);
        // Unknown ids are still refused after the second look.
        await (await c.Live.SendAsync(HttpMethod.Get, "/v1/orders", subaccount: "nope1234")).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-subaccount");
    }

    [Fact]
    public async Task AnotherAccountsSubaccountIsNotFound()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var other = await app.CreateCnaughtCustomerAsync();
        var theirs = await other.Live.PostJsonAsync("/v1/subaccounts", new { name = "Theirs" }, HttpStatusCode.Created);
        var id = theirs["id"]!.GetValue<string>();

        await (await c.Live.SendAsync(HttpMethod.Get, $"/v1/subaccounts/{id}")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await c.Live.SendAsync(HttpMethod.Put, $"/v1/subaccounts/{id}", new { name = "Stolen" })).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await PutLogoAsync(c.Live, id, Png, "image/png")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await c.Live.SendAsync(HttpMethod.Post, $"/v1/subaccounts/{id}/logo", new { logo_url = "https://example.com/x.png" })).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await c.Live.SendAsync(HttpMethod.Delete, $"/v1/subaccounts/{id}/logo")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");
        await (await c.Live.SendAsync(HttpMethod.Get, "/v1/orders", subaccount: id)).AssertProblemAsync(HttpStatusCode.BadRequest, "invalid-subaccount");
        await (await c.Live.SendAsync(HttpMethod.Get, "/v1/subaccounts/nope1234")).AssertProblemAsync(HttpStatusCode.NotFound, "not-found");

        Assert.True(JsonNode.DeepEquals(theirs, await other.Live.GetJsonAsync($"/v1/subaccounts/{id}")));
        Assert.DoesNotContain(id, (await c.Live.GetJsonAsync("/v1/subaccounts")).Ids());
    }

    [Fact]
    public async Task UploadedLogoIsServedAsACopyWithTheOriginalByteForByteAndCanBeRemoved()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var id = (await c.Live.PostJsonAsync("/v1/subaccounts", new { name = "Logo" }, HttpStatusCode.Created))["id"]!.GetValue<string>();

        var uploaded = await (await PutLogoAsync(c.Live, id, Png, "image/png")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(CnaughtKit.SubaccountKeys, uploaded.Keys());
        var url = new Uri(uploaded["logo_url"]!.GetValue<string>());
        Assert.True(url.IsAbsoluteUri);
        Assert.StartsWith("/logos/", url.AbsolutePath, StringComparison.Ordinal);
        Assert.Equal(uploaded["logo_url"]!.GetValue<string>(), (await c.Live.GetJsonAsync($"/v1/subaccounts/{id}"))["logo_url"]!.GetValue<string>());

        var served = await app.Anonymous().GetAsync(url.AbsolutePath, Ct);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal("image/png", served.Content.Headers.ContentType?.MediaType);
        var copy = SixLabors.ImageSharp.Image.Identify(await served.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal((1, 1), (copy.Width, copy.Height));
        Assert.Equal("nosniff", served.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("default-src 'none'; sandbox", served.Headers.GetValues("Content-Security-Policy").Single());
        var original = await app.Anonymous().GetAsync(url.AbsolutePath + "/original", Ct);
        Assert.Equal("image/png", original.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Png, await original.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal("nosniff", original.Headers.GetValues("X-Content-Type-Options").Single());

        // A new upload replaces the old one.
        var realJpeg = RealJpeg(40, 20);
        var jpeg = await (await PutLogoAsync(c.Live, id, realJpeg, "image/jpeg")).ReadJsonAsync(HttpStatusCode.OK);
        var jpegPath = new Uri(jpeg["logo_url"]!.GetValue<string>()).AbsolutePath;
        Assert.NotEqual(url.AbsolutePath, jpegPath);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Anonymous().GetAsync(url.AbsolutePath, Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Anonymous().GetAsync(url.AbsolutePath + "/original", Ct)).StatusCode);
        var servedJpeg = await app.Anonymous().GetAsync(jpegPath, Ct);
        Assert.Equal("image/png", servedJpeg.Content.Headers.ContentType?.MediaType);
        Assert.Equal(40, SixLabors.ImageSharp.Image.Identify(await servedJpeg.Content.ReadAsByteArrayAsync(Ct)).Width);
        var originalJpeg = await app.Anonymous().GetAsync(jpegPath + "/original", Ct);
        Assert.Equal("image/jpeg", originalJpeg.Content.Headers.ContentType?.MediaType);
        Assert.Equal(realJpeg, await originalJpeg.Content.ReadAsByteArrayAsync(Ct));

        var removed = await (await c.Live.SendAsync(HttpMethod.Delete, $"/v1/subaccounts/{id}/logo")).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(CnaughtKit.SubaccountKeys, removed.Keys());
        Assert.Null(removed["logo_url"]);
        Assert.Null((await c.Live.GetJsonAsync($"/v1/subaccounts/{id}"))["logo_url"]);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Anonymous().GetAsync(jpegPath, Ct)).StatusCode);
    }

    [Fact]
    public async Task BadLogoUploadsAreInvalidParameters()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var id = (await c.Live.PostJsonAsync("/v1/subaccounts", new { name = "Logo" }, HttpStatusCode.Created))["id"]!.GetValue<string>();
        var exactly = PngOfSize(5 * 1024 * 1024);
        var paddedWithZeros = new byte[1024];
        Png.CopyTo(paddedWithZeros, 0);
        var corruptCrc = (byte[])Png.Clone();
        corruptCrc[29] ^= 1;

        (byte[] Bytes, string Type)[] bad =
        [
            ("hello, not an image"u8.ToArray(), "image/png"),
            (Png, "text/plain"),
            (Png, "image/jpeg"),
            (Jpeg, "image/png"),
            ([], "image/png"),
            // The signature, then a page a browser would run if it sniffed it.
            ([.. Png[..8], .. "<html><script>alert(document.cookie)</script></html>"u8.ToArray()], "image/png"),
            // A real header, then HTML instead of the image data.
            ([.. Png[..33], .. "<html><script>alert(1)</script></html>"u8.ToArray()], "image/png"),
            (paddedWithZeros, "image/png"),
            (corruptCrc, "image/png"),
            ([0xFF, 0xD8, 0xFF, .. "<html><script>alert(1)</script></html>"u8.ToArray(), 0xFF, 0xD9], "image/jpeg"),
            ([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0xFF, 0xD9], "image/jpeg"), // no frame: no dimensions
        ];
        foreach (var (bytes, type) in bad)
        {
            var response = await PutLogoAsync(c.Live, id, bytes, type);
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{type} {bytes.Length}: {(int)response.StatusCode} {text}");
            Assert.Equal(CnaughtKit.ProblemJson, response.Content.Headers.ContentType?.MediaType);
            Assert.Null((await c.Live.GetJsonAsync($"/v1/subaccounts/{id}"))["logo_url"]);
        }
        await (await PutLogoAsync(c.Live, id, exactly, "image/png")).ReadJsonAsync(HttpStatusCode.OK);
        // One byte over the route's own 5 MiB limit: 413 in CNaught's shape, the logo unchanged.
        var before = (await c.Live.GetJsonAsync($"/v1/subaccounts/{id}"))["logo_url"]!.GetValue<string>();
        var over = await (await PutLogoAsync(c.Live, id, PngOfSize(5 * 1024 * 1024 + 1), "image/png")).AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(CnaughtKit.ErrorBase + "payload-too-large", over["type"]!.GetValue<string>());
        Assert.Equal(before, (await c.Live.GetJsonAsync($"/v1/subaccounts/{id}"))["logo_url"]!.GetValue<string>());

        // The OpenAPI document still says what the upload takes.
        var openApi = await app.Anonymous().GetJsonAsync("/openapi/v1.json");
        var put = openApi["paths"]!["/v1/subaccounts/{id}/logo"]!["put"]!;
        Assert.Equal(["image/jpeg", "image/png"], put["requestBody"]!["content"].Keys());
    }

    [Fact]
    public async Task TheSdkSuitesLargeLogoIsAcceptedAndServedDownscaled()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var id = (await c.Live.PostJsonAsync("/v1/subaccounts", new { name = "Big logo" }, HttpStatusCode.Created))["id"]!.GetValue<string>();
        var png = LargeSdkPng();
        Assert.InRange(png.Length, 930 * 1024, 946 * 1024);

        var uploaded = await (await PutLogoAsync(c.Live, id, png, "image/png")).ReadJsonAsync(HttpStatusCode.OK);
        var path = new Uri(uploaded["logo_url"]!.GetValue<string>()).AbsolutePath;
        var served = await app.Anonymous().GetAsync(path, Ct);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.Equal("image/png", served.Content.Headers.ContentType?.MediaType);
        var copy = SixLabors.ImageSharp.Image.Identify(await served.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(1024, Math.Max(copy.Width, copy.Height));
        Assert.Equal(439, copy.Height); // the aspect ratio is kept: 3000 × 1024 / 7000, rounded
        var original = await app.Anonymous().GetAsync(path + "/original", Ct);
        Assert.Equal(png, await original.Content.ReadAsByteArrayAsync(Ct));

        // The hosted impact data links the served copy.
        var impact = await (await c.Live.SendAsync(HttpMethod.Get, "/v1/impact/data", subaccount: id)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(path, new Uri(impact["logo_url"]!.GetValue<string>()).AbsolutePath);

        // The larger limit is the logo route's own: an order body of 2 MiB is still refused.
        var huge = "{\"amount_kg\":1,\"description\":\"" + new string('x', 2 * 1024 * 1024) + "\"}";
        var refused = await (await c.Live.PostRawAsync("/v1/orders", huge)).AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(CnaughtKit.ErrorBase + "payload-too-large", refused["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task LogoByUrlIsKeptAsGiven()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var id = (await c.Live.PostJsonAsync("/v1/subaccounts", new { name = "Logo" }, HttpStatusCode.Created))["id"]!.GetValue<string>();
        var set = await c.Live.PostJsonAsync($"/v1/subaccounts/{id}/logo", new { logo_url = "https://example.com/logo.png" }, HttpStatusCode.OK);
        Assert.Equal(CnaughtKit.SubaccountKeys, set.Keys());
        Assert.Equal("https://example.com/logo.png", set["logo_url"]!.GetValue<string>());
        foreach (var bad in new object[] { new { logo_url = "ftp://example.com/x.png" }, new { logo_url = "" }, new { } })
            await (await c.Live.SendAsync(HttpMethod.Post, $"/v1/subaccounts/{id}/logo", bad)).AssertInvalidAsync("logo_url");
        Assert.Equal("https://example.com/logo.png", (await c.Live.GetJsonAsync($"/v1/subaccounts/{id}"))["logo_url"]!.GetValue<string>());
    }

    [Fact]
    public async Task SubaccountDefaultPortfolioPricesItsOrdersAndQuotes()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var dear = await app.CreateProjectAsync(10_000);
        var portfolio = (await app.CreatePortfolioAsync((dear["id"]!.GetValue<string>(), 1m)))["id"]!.GetValue<string>();
        var sub = (await c.Live.PostJsonAsync("/v1/subaccounts", new { name = "Dear", default_portfolio_id = portfolio }, HttpStatusCode.Created))["id"]!.GetValue<string>();

        var quote = await (await c.Live.SendAsync(HttpMethod.Post, "/v1/quotes", new { amount_kg = 10 }, subaccount: sub)).ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal(100, quote["price_usd_cents"]!.GetValue<long>());
        var order = await c.Live.PlaceOrderAsync(new { amount_kg = 10 }, sub);
        Assert.Equal(100, order["price_usd_cents"]!.GetValue<long>());
        Assert.Equal(dear["id"]!.GetValue<string>(), order["project_allocations"]![0]!["project"]!["id"]!.GetValue<string>());
        // Without the header, the account's default.
        Assert.Equal(25, (await c.Live.PlaceOrderAsync(new { amount_kg = 10 }))["price_usd_cents"]!.GetValue<long>());
    }
}

/// <summary>The logo route's own body limit as Kestrel itself applies it (a real port, not the test server).</summary>
public abstract class CnaughtLogoBodyLimitTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OverKestrelALogoOfThreeMebibytesIsAcceptedWhileOtherRoutesKeepTheirLimit()
    {
        var c = await app.CreateCnaughtCustomerAsync();
        var id = (await c.Live.PostJsonAsync("/v1/subaccounts", new { name = "Kestrel logo" }, HttpStatusCode.Created))["id"]!.GetValue<string>();
        // A 1×1 PNG grown to 3 MiB by a text chunk: well formed, over the global 1 MiB.
        var png = CnaughtSubaccountTests.PngOfSize(3 * 1024 * 1024);
        var content = new ByteArrayContent(png);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        await (await c.Live.PutAsync($"/v1/subaccounts/{id}/logo", content, Ct)).ReadJsonAsync(HttpStatusCode.OK);

        // Kestrel refuses an over-long body from its Content-Length, before reading it: "Expect: 100-continue" lets the
        // client hear that answer instead of writing into a closed connection.
        var over = new ByteArrayContent(CnaughtSubaccountTests.PngOfSize(5 * 1024 * 1024 + 1));
        over.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        var refusedLogo = await (await SendExpectingContinueAsync(c.Live, HttpMethod.Put, $"/v1/subaccounts/{id}/logo", over)).AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(CnaughtKit.ErrorBase + "payload-too-large", refusedLogo["type"]!.GetValue<string>());

        var huge = new StringContent("{\"amount_kg\":1,\"description\":\"" + new string('x', 2 * 1024 * 1024) + "\"}", System.Text.Encoding.UTF8, "application/json");
        var refused = await (await SendExpectingContinueAsync(c.Live, HttpMethod.Post, "/v1/orders", huge)).AssertProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(CnaughtKit.ErrorBase + "payload-too-large", refused["type"]!.GetValue<string>());
    }

    private Task<HttpResponseMessage> SendExpectingContinueAsync(HttpClient client, HttpMethod method, string url, HttpContent content)
    {
        var request = new HttpRequestMessage(method, url) { Content = content };
        request.Headers.ExpectContinue = true;
        return client.SendAsync(request, Ct);
    }
}

public sealed class CnaughtLogoBodyLimitTestsOnSqlite(SqliteServerApp app) : CnaughtLogoBodyLimitTests(app), IClassFixture<SqliteServerApp>;

public sealed class CnaughtLogoBodyLimitTestsOnPostgres(PostgresServerApp app) : CnaughtLogoBodyLimitTests(app), IClassFixture<PostgresServerApp>;

public sealed class CnaughtSubaccountTestsOnSqlite(SqliteApp app) : CnaughtSubaccountTests(app), IClassFixture<SqliteApp>;

public sealed class CnaughtSubaccountTestsOnPostgres(PostgresApp app) : CnaughtSubaccountTests(app), IClassFixture<PostgresApp>;
