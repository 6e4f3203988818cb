using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Canopy.Tests.Infrastructure;
using CsCheck;

namespace Canopy.Tests.Trust;

/// <summary>
/// Property-based bad input (CsCheck) at every route of the OpenAPI document: generated path values, query strings,
/// headers and bodies — wrong types, huge numbers, NaN, NUL and control characters, unpaired surrogates, invalid
/// UTF-8, deep nesting, 1 MB strings, duplicate keys, wrong content types — from a live token, a test token, the
/// operator key, a made-up token or none. Never a 5xx; every error in its surface's shape; a refused request writes
/// nothing. CANOPY_FUZZ_ITERATIONS sets the number of requests per database (default 1500).
/// </summary>
public abstract class GeneratedInputTests(CanopyApp app)
{
    private sealed record Operation(string Method, string Template, string[] PathParams, string[] QueryParams, string[] HeaderParams, string[] BodyFields)
    {
        public override string ToString() => $"{Method} {Template}";
    }

    private enum Credential { Live, Test, Admin, MadeUp, None }

    private sealed record Request(Operation Op, string Url, Credential Credential, (string Name, string Value)[] Headers, byte[]? Body, string? ContentType)
    {
        public override string ToString()
        {
            var body = Body is null ? "" : Encoding.UTF8.GetString(Body.AsSpan(0, Math.Min(Body.Length, 300)));
            return $"{Op.Method} {Url} [{Credential}] {string.Join(", ", Headers.Select(h => $"{h.Name}: {Escape(h.Value)}"))} {ContentType} ({Body?.Length ?? 0} bytes) {Escape(body)}";
        }

        private static string Escape(string s) => string.Concat(s.Select(c => c < 0x20 || char.IsSurrogate(c) ? $"\\u{(int)c:x4}" : c.ToString()));
    }

    private static int Iterations =>
        int.TryParse(Environment.GetEnvironmentVariable("CANOPY_FUZZ_ITERATIONS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 1500;

    [Fact]
    public async Task GeneratedBadInputAtEveryRouteIsNeverA5xxAlwaysTheSurfacesShapeAndRefusalsWriteNothing()
    {
        app.RequireAvailable();
        var account = await app.CreateAccountAsync(creditsUsdCents: 1_000_000);
        await app.Admin().PostJsonAsync($"/admin/accounts/{account.Id}/card", new { payment_method = "pm_card_visa" }, HttpStatusCode.OK);
        var operations = await OperationsAsync();
        Assert.True(operations.Length > 40, $"Only {operations.Length} operations in the OpenAPI document.");

        var gen = RequestGen(operations);
        var last = await Footprint.ReadAsync(app);
        var client = app.Anonymous();
        var covered = new HashSet<string>();
        await gen.SampleAsync(async request =>
        {
            covered.Add(request.Op.ToString());
            using var message = new HttpRequestMessage(new HttpMethod(request.Op.Method), request.Url);
            var token = request.Credential switch
            {
                Credential.Live => account.LiveToken,
                Credential.Test => account.TestToken,
                Credential.Admin => CanopyApp.AdminKey,
                Credential.MadeUp => "cnp_live_made_up_0123456789",
                _ => null,
            };
            if (token is not null) message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            foreach (var (name, value) in request.Headers) message.Headers.TryAddWithoutValidation(name, value);
            if (request.Body is not null)
            {
                message.Content = new ByteArrayContent(request.Body);
                if (request.ContentType is not null) message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
            }
            using var response = await client.SendAsync(message, TestContext.Current.CancellationToken);
            var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            var status = (int)response.StatusCode;
            Assert.True(status < 500, $"{status} for {request}: {text}");
            // The operator API answers only the operator key (401 when checked; an unroutable or unreadable request is refused earlier).
            if (request.Op.Template.StartsWith("/admin", StringComparison.Ordinal) && request.Credential != Credential.Admin)
                Assert.True(status >= 400, $"{status} without the operator key for {request}: {text}");
            if (status >= 400)
            {
                AssertShape(request.Url, response, text);
                var now = await Footprint.ReadAsync(app);
                Assert.True(now == last, $"A refused request ({status}) wrote: {last} → {now} for {request}");
            }
            else last = await Footprint.ReadAsync(app);
        }, iter: Iterations, threads: 1, print: r => r.ToString());
        await app.AssertLedgerSoundAsync();
        // Enough requests reach most routes (each is picked uniformly).
        Assert.True(covered.Count * 10 >= operations.Length * 9 || Iterations < 500, $"Covered {covered.Count} of {operations.Length} operations.");
    }

    private static void AssertShape(string url, HttpResponseMessage response, string text)
    {
        var path = url.Split('?')[0];
        var media = response.Content.Headers.ContentType?.MediaType;
        if (path.StartsWith("/api/", StringComparison.Ordinal) || path == "/api")
        {
            var body = JsonNode.Parse(text) as JsonObject;
            Assert.True(body is not null && body.Count == 1 && body["message"]?.GetValue<string>() is { Length: > 0 }, $"Not Wren's {{\"message\"}}: {(int)response.StatusCode} {text}");
        }
        else if (path is "/" or "/feed" || path.StartsWith("/certificates/", StringComparison.Ordinal) || path.StartsWith("/impact/", StringComparison.Ordinal)
            || path.StartsWith("/assets/", StringComparison.Ordinal))
        {
            // The public pages answer every error with an HTML page.
            Assert.True(media == "text/html" && text.StartsWith("<!DOCTYPE html>", StringComparison.Ordinal), $"Not an HTML page ({media}): {(int)response.StatusCode} {text}");
        }
        else if (path.StartsWith("/v1/", StringComparison.Ordinal) || path.StartsWith("/admin/", StringComparison.Ordinal))
        {
            Assert.True(media == "application/problem+json", $"Not problem+json ({media}): {(int)response.StatusCode} {text}");
            var body = JsonNode.Parse(text)!.AsObject();
            Assert.Equal((int)response.StatusCode, body["status"]!.GetValue<int>());
            Assert.False(string.IsNullOrWhiteSpace(body["title"]?.GetValue<string>()), text);
            if (path.StartsWith("/v1/", StringComparison.Ordinal))
                Assert.True(body["type"]?.GetValue<string>() is { Length: > 0 }, $"A CNaught problem has a type: {text}");
        }
    }

    private async Task<Operation[]> OperationsAsync()
    {
        var doc = await app.Anonymous().GetJsonAsync("/openapi/v1.json");
        var schemas = doc["components"]?["schemas"]?.AsObject();
        var list = new List<Operation>();
        foreach (var (template, item) in doc["paths"]!.AsObject())
        {
            foreach (var (method, op) in item!.AsObject())
            {
                if (method is "parameters" or "summary" or "description" or "servers") continue;
                var parameters = op!["parameters"]?.AsArray().Select(p => (Name: p!["name"]!.GetValue<string>(), In: p["in"]!.GetValue<string>())).ToList() ?? [];
                var fields = new List<string>();
                var schema = op["requestBody"]?["content"]?.AsObject().Select(c => c.Value?["schema"]).FirstOrDefault(s => s is not null);
                if (schema?["$ref"]?.GetValue<string>() is { } reference) schema = schemas?[reference.Split('/')[^1]];
                if (schema?["properties"] is JsonObject properties) fields.AddRange(properties.Select(p => p.Key));
                list.Add(new Operation(method.ToUpperInvariant(), template,
                    [.. parameters.Where(p => p.In == "path").Select(p => p.Name)],
                    [.. parameters.Where(p => p.In == "query").Select(p => p.Name)],
                    [.. parameters.Where(p => p.In == "header").Select(p => p.Name)],
                    [.. fields]));
            }
        }
        return [.. list];
    }

    // ------------------------------------------------------------------ generators

    private static readonly string[] Specials =
    [
        "", " ", "0", "-1", "1", "1.5", "-0", "1e400", "-1e400", "NaN", "Infinity", "-Infinity", "null", "true", "false",
        "99999999999999999999999999999999", "9223372036854775808", "-9223372036854775809", "0x10", "1_000", "١٢٣",
        "../../etc/passwd", "' OR 1=1 --", "<script>alert(1)</script>", "%00", "\\u0000", "live", "test", "credits", "stripe",
        "invoice", "USD", "CLIMFD", "2020-01-01", "9999-12-31T23:59:59Z",
    ];

    private static readonly Gen<string> Hostile = Gen.Frequency(
        (4, Gen.OneOf(Specials)),
        (4, Gen.Char["\0\u0001\u0007\u001f\u007f\ud800\udc00\u2028\ufffe\uffff é€😀abcXYZ019 \"\\/%&=+?#"].Array[0, 12].Select(a => new string(a))),
        (2, Gen.String[0, 20]),
        (1, Gen.Long.Select(l => l.ToString(CultureInfo.InvariantCulture))),
        (1, Gen.Double.Select(d => d.ToString("R", CultureInfo.InvariantCulture))));

    private static readonly Gen<string> Scalar = Gen.Frequency(
        (4, Hostile.Select(Quote)),
        (2, Gen.OneOf("0", "-1", "1", "0.5", "1e400", "-1e400", "123456789012345678901234567890", "1e-400", "NaN", "Infinity", "true", "false", "null", "-0.0000001")),
        (1, Gen.Long.Select(l => l.ToString(CultureInfo.InvariantCulture))),
        (1, Gen.Decimal.Select(d => d.ToString(CultureInfo.InvariantCulture))));

    /// <summary>A JSON value as text; strings escaped so that control characters and lone surrogates survive.</summary>
    private static readonly Gen<string> JsonValue = Gen.Recursive<string>((depth, self) => depth >= 3
        ? Scalar
        : Gen.Frequency(
            (6, Scalar),
            (1, self.Array[0, 4].Select(a => "[" + string.Join(",", a) + "]")),
            (1, Gen.Select(Hostile, self).Array[0, 4].Select(kvs => "{" + string.Join(",", kvs.Select(kv => Quote(kv.Item1) + ":" + kv.Item2)) + "}"))));

    private static string Quote(string s)
    {
        var b = new StringBuilder("\"");
        foreach (var c in s)
        {
            if (c is '"' or '\\') b.Append('\\').Append(c);
            else if (c < 0x20 || char.IsSurrogate(c)) b.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            else b.Append(c);
        }
        return b.Append('"').ToString();
    }

    /// <summary>UTF-8, percent-encoded byte by byte (a lone surrogate becomes U+FFFD); NUL is left out of paths, which no server accepts.</summary>
    private static string Encode(string s, bool path)
    {
        if (path) s = s.Replace("\0", "", StringComparison.Ordinal);
        var b = new StringBuilder();
        foreach (var x in Encoding.UTF8.GetBytes(s))
            b.Append(char.IsAsciiLetterOrDigit((char)x) || x is (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~' ? ((char)x).ToString() : $"%{x:X2}");
        return b.ToString();
    }

    private static Gen<(byte[]? Body, string? ContentType)> BodyGen(Operation op)
    {
        var names = op.BodyFields.Length > 0 ? Gen.Frequency((4, Gen.OneOf(op.BodyFields)), (1, Hostile)) : Hostile;
        var fields = Gen.Select(names, JsonValue).Array[0, 6];
        var json = fields.Select(kvs => "{" + string.Join(",", kvs.Select(kv => Quote(kv.Item1) + ":" + kv.Item2)) + "}");
        var duplicate = Gen.Select(names, JsonValue, JsonValue).Select((n, a, b) => "{" + Quote(n) + ":" + a + "," + Quote(n) + ":" + b + "}");
        var form = Gen.Select(names, Hostile).Array[0, 6].Select(kvs => string.Join("&", kvs.Select(kv => Encode(kv.Item1, false) + "=" + Encode(kv.Item2, false))));
        return Gen.Frequency(
            (8, json.Select(j => ((byte[]?)Encoding.UTF8.GetBytes(j), (string?)"application/json"))),
            (2, duplicate.Select(j => ((byte[]?)Encoding.UTF8.GetBytes(j), (string?)"application/json"))),
            (3, form.Select(f => ((byte[]?)Encoding.UTF8.GetBytes(f), (string?)"application/x-www-form-urlencoded"))),
            (1, Gen.Int[1, 3000].Select(n => ((byte[]?)Encoding.UTF8.GetBytes(new string('[', n) + new string(']', n)), (string?)"application/json"))),
            (1, Gen.Int[1, 2000].Select(n => ((byte[]?)Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("{\"a\":", n)) + "1" + new string('}', n)), (string?)"application/json"))),
            (1, Gen.Byte.Array[1, 64].Select(bytes => ((byte[]?)[.. "{\"note\":\""u8, .. bytes, .. "\"}"u8], (string?)"application/json"))),
            (1, Gen.OneOf("text/plain", "application/xml", "multipart/form-data; boundary=x", "application/json; charset=utf-16", "image/png", "")
                .Select(ct => ((byte[]?)Encoding.UTF8.GetBytes("{\"a\":1}"), (string?)ct))),
            (1, Gen.Const(((byte[]?)null, (string?)null))),
            (1, Gen.Int[1_000_000, 1_100_000].Select(n => ((byte[]?)Encoding.UTF8.GetBytes("{" + Quote(op.BodyFields.FirstOrDefault() ?? "note") + ":\"" + new string('x', n) + "\"}"), (string?)"application/json"))));
    }

    private static Gen<Request> RequestGen(Operation[] operations) =>
        Gen.OneOf(operations).SelectMany(op =>
        {
            var pathValues = Hostile.Array[op.PathParams.Length];
            var query = Gen.Select(Gen.Frequency((6, op.QueryParams.Length > 0 ? Gen.OneOf(op.QueryParams) : Hostile), (1, Hostile)), Hostile).Array[0, 4];
            var headerNames = Gen.OneOf([.. op.HeaderParams, "Idempotency-Key", "X-Subaccount-Id", "X-Forwarded-For", "Accept", "If-None-Match"]);
            var headers = Gen.Select(headerNames, Hostile.Select(h => h.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal))).Array[0, 3];
            var credential = op.Template.StartsWith("/admin", StringComparison.Ordinal)
                ? Gen.Frequency((8, Gen.Const(Credential.Admin)), (1, Gen.OneOf(Credential.Live, Credential.MadeUp, Credential.None)))
                : Gen.Frequency((5, Gen.Const(Credential.Live)), (3, Gen.Const(Credential.Test)), (1, Gen.OneOf(Credential.MadeUp, Credential.None, Credential.Admin)));
            var body = op.Method is "GET" or "DELETE" ? Gen.Frequency((9, Gen.Const(((byte[]?)null, (string?)null))), (1, BodyGen(op))) : BodyGen(op);
            return Gen.Select(pathValues, query, headers, credential, body).Select((values, q, h, c, b) =>
            {
                var path = op.Template;
                for (var i = 0; i < op.PathParams.Length; i++)
                {
                    var value = Encode(values[i], true);
                    path = System.Text.RegularExpressions.Regex.Replace(path, "\\{" + op.PathParams[i] + "(:[^}]*)?\\}", value.Length == 0 ? "x" : value);
                }
                var url = q.Length == 0 ? path : path + "?" + string.Join("&", q.Select(kv => Encode(kv.Item1, false) + "=" + Encode(kv.Item2, false)));
                return new Request(op, url, c, h, b.Item1, b.Item2);
            });
        });
}

public sealed class GeneratedInputTestsOnSqlite(SqliteApp app) : GeneratedInputTests(app), IClassFixture<SqliteApp>;

public sealed class GeneratedInputTestsOnPostgres(PostgresApp app) : GeneratedInputTests(app), IClassFixture<PostgresApp>;
