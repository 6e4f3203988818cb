using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using WireMock;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;
using WireMock.Types;
using WireMock.Util;

namespace Canopy.Tests.Payments;

/// <summary>
/// Stripe's API on a local WireMock server, answering in Stripe's JSON shapes: customers, payment-method attach,
/// payment intents (success; <c>card_declined</c> for <c>pm_card_chargeDeclined</c>; <c>authentication_required</c>
/// for <c>pm_card_authenticationRequired</c>; a 500 for <c>pm_stripe_500</c>; a charge that answers too late for
/// <c>pm_card_slow</c>), retrieval and search by metadata, refunds and checkout sessions. Like Stripe, a repeated
/// idempotency key replays the first answer (and charges nothing more).
/// </summary>
public sealed class StripeMock : IDisposable
{
    public const string SlowCard = "pm_card_slow";
    public const string DownCard = "pm_stripe_500";
    public static readonly TimeSpan SlowDelay = TimeSpan.FromSeconds(12);

    private readonly WireMockServer _server = WireMockServer.Start();
    private readonly ConcurrentDictionary<string, (int Status, string Body)> _byKey = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private int _next;

    /// <summary>Payment intents Stripe holds, by id.</summary>
    public ConcurrentDictionary<string, JsonObject> Intents { get; } = new(StringComparer.Ordinal);
    /// <summary>Every charge made: (payment intent id, charge id, amount).</summary>
    public ConcurrentQueue<(string IntentId, string ChargeId, long Amount, string OrderId)> Charges { get; } = new();
    /// <summary>Every refund made: (charge or intent, amount, idempotency key).</summary>
    public ConcurrentQueue<(string Target, long Amount, string? Key)> Refunds { get; } = new();
    public ConcurrentQueue<JsonObject> CheckoutSessions { get; } = new();
    public ConcurrentQueue<string> Customers { get; } = new();
    /// <summary>How many times a payment intent was asked for, per idempotency key (counted on arrival).</summary>
    public ConcurrentDictionary<string, int> IntentCallsByKey { get; } = new(StringComparer.Ordinal);
    public ConcurrentQueue<(string PaymentMethod, string Customer)> Attached { get; } = new();

    public string Url => _server.Url!;

    public StripeMock()
    {
        Map("POST", "/v1/customers", r => Json(200, Customer(Id("cus"), r)));
        _server.Given(Request.Create().UsingPost().WithPath(new WireMock.Matchers.RegexMatcher("^/v1/customers/cus_[A-Za-z0-9]+$")))
            .RespondWith(Response.Create().WithCallback(r => Json(200, Customer(r.Path.Split('/').Last(), r))));
        _server.Given(Request.Create().UsingPost().WithPath(new WireMock.Matchers.RegexMatcher("^/v1/payment_methods/[^/]+/attach$")))
            .RespondWith(Response.Create().WithCallback(Attach));
        Map("POST", "/v1/payment_intents", CreateIntentAsync);
        Map("GET", "/v1/payment_intents/search", r => Task.FromResult<IResponseMessage>(Search(r)));
        _server.Given(Request.Create().UsingGet().WithPath(new WireMock.Matchers.RegexMatcher("^/v1/payment_intents/pi_[A-Za-z0-9]+$")))
            .RespondWith(Response.Create().WithCallback(r => Intents.TryGetValue(r.Path.Split('/').Last(), out var pi)
                ? Json(200, pi) : Error(404, "invalid_request_error", "resource_missing", "No such payment_intent")));
        Map("POST", "/v1/refunds", r => Task.FromResult<IResponseMessage>(Idempotent(r, () => Refund(r))));
        Map("POST", "/v1/checkout/sessions", r => Task.FromResult<IResponseMessage>(Idempotent(r, () => Checkout(r))));
    }

    private void Map(string method, string path, Func<IRequestMessage, Task<IResponseMessage>> answer) =>
        _server.Given(Request.Create().WithPath(path).UsingMethod(method)).RespondWith(Response.Create().WithCallback(answer));

    private void Map(string method, string path, Func<IRequestMessage, IResponseMessage> answer) =>
        _server.Given(Request.Create().WithPath(path).UsingMethod(method)).RespondWith(Response.Create().WithCallback(answer));

    /// <summary>Requests that reached the server for a path (e.g. "/v1/payment_intents"), with their form fields.</summary>
    public IReadOnlyList<(Dictionary<string, string> Form, string? IdempotencyKey)> Requests(string method, string path) =>
        [.. _server.LogEntries.Where(e => e.RequestMessage != null && e.RequestMessage.Method == method && e.RequestMessage.Path == path)
            .Select(e => (Form(e.RequestMessage!), Header(e.RequestMessage!, "Idempotency-Key")))];

    public void Dispose() => _server.Stop();

    private async Task<IResponseMessage> CreateIntentAsync(IRequestMessage r)
    {
        var key = Header(r, "Idempotency-Key");
        if (key is not null) IntentCallsByKey.AddOrUpdate(key, 1, (_, n) => n + 1);
        if (key is not null && _byKey.TryGetValue(key, out var seen)) return Json(seen.Status, JsonNode.Parse(seen.Body)!);
        var form = Form(r);
        var pm = form.GetValueOrDefault("payment_method");
        if (pm == DownCard) return Error(500, "api_error", null, "An unknown error occurred");
        var (status, body) = Charge(form, pm);
        if (key is not null) _byKey.TryAdd(key, (status, body.ToJsonString()));
        // The charge is made; the answer comes too late for the client's timeout.
        if (pm == SlowCard) await Task.Delay(SlowDelay);
        return Json(status, body);
    }

    private (int, JsonNode) Charge(Dictionary<string, string> form, string? pm)
    {
        var id = Id("pi");
        var amount = long.Parse(form["amount"], CultureInfo.InvariantCulture);
        var orderId = form.GetValueOrDefault("metadata[order_id]") ?? "";
        var intent = new JsonObject
        {
            ["id"] = id, ["object"] = "payment_intent", ["amount"] = amount, ["currency"] = form["currency"],
            ["customer"] = form.GetValueOrDefault("customer"), ["payment_method"] = pm, ["description"] = form.GetValueOrDefault("description"),
            ["metadata"] = new JsonObject { ["order_id"] = orderId }, ["livemode"] = false, ["created"] = 1_764_000_000,
        };
        if (pm is "pm_card_chargeDeclined" or "pm_card_authenticationRequired")
        {
            var auth = pm == "pm_card_authenticationRequired";
            intent["status"] = auth ? "requires_action" : "requires_payment_method";
            Intents[id] = intent;
            var error = new JsonObject
            {
                ["type"] = "card_error",
                ["code"] = auth ? "authentication_required" : "card_declined",
                ["decline_code"] = auth ? "authentication_required" : "generic_decline",
                ["message"] = auth ? "This payment required an authentication action to complete, but `error_on_requires_action` was set." : "Your card was declined.",
                ["payment_intent"] = intent.DeepClone(),
            };
            return (402, new JsonObject { ["error"] = error });
        }
        var charge = Id("ch");
        intent["status"] = "succeeded";
        intent["latest_charge"] = charge;
        Intents[id] = intent;
        Charges.Enqueue((id, charge, amount, orderId));
        return (200, intent.DeepClone());
    }

    private ResponseMessage Search(IRequestMessage r)
    {
        var query = r.Query?.TryGetValue("query", out var q) == true ? q.ToString() : "";
        var orderId = System.Text.RegularExpressions.Regex.Match(query, @"metadata\['order_id'\]:'([^']*)'").Groups[1].Value;
        var found = new JsonArray([.. Intents.Values.Where(i => i["metadata"]!["order_id"]!.GetValue<string>() == orderId).Select(i => i.DeepClone())]);
        return Json(200, new JsonObject { ["object"] = "search_result", ["url"] = "/v1/payment_intents/search", ["has_more"] = false, ["data"] = found });
    }

    private (int, JsonNode) Refund(IRequestMessage r)
    {
        var form = Form(r);
        var target = form.GetValueOrDefault("charge") ?? form.GetValueOrDefault("payment_intent") ?? "";
        var amount = long.Parse(form.GetValueOrDefault("amount") ?? "0", CultureInfo.InvariantCulture);
        Refunds.Enqueue((target, amount, Header(r, "Idempotency-Key")));
        return (200, new JsonObject
        {
            ["id"] = Id("re"), ["object"] = "refund", ["amount"] = amount, ["charge"] = target.StartsWith("ch_", StringComparison.Ordinal) ? target : null,
            ["payment_intent"] = target.StartsWith("pi_", StringComparison.Ordinal) ? target : null, ["currency"] = "usd", ["status"] = "succeeded",
        });
    }

    private (int, JsonNode) Checkout(IRequestMessage r)
    {
        var form = Form(r);
        var id = "cs_test_" + Id("x")[2..];
        var session = new JsonObject
        {
            ["id"] = id, ["object"] = "checkout.session", ["mode"] = "payment", ["status"] = "open", ["payment_status"] = "unpaid",
            ["url"] = "https://checkout.stripe.com/c/pay/" + id, ["success_url"] = form["success_url"], ["cancel_url"] = form["cancel_url"],
            ["amount_total"] = long.Parse(form["line_items[0][price_data][unit_amount]"], CultureInfo.InvariantCulture),
            ["currency"] = "usd", ["client_reference_id"] = form.GetValueOrDefault("client_reference_id"),
            ["expires_at"] = long.Parse(form["expires_at"], CultureInfo.InvariantCulture),
            ["metadata"] = new JsonObject { ["order_id"] = form.GetValueOrDefault("metadata[order_id]") },
        };
        CheckoutSessions.Enqueue(session);
        return (200, session.DeepClone());
    }

    private ResponseMessage Attach(IRequestMessage r)
    {
        var pm = r.Path.Split('/')[3];
        var customer = Form(r).GetValueOrDefault("customer") ?? "";
        if (pm == "pm_card_missing") return Error(404, "invalid_request_error", "resource_missing", $"No such PaymentMethod: '{pm}'");
        if (pm == "pm_attach_500") return Error(500, "api_error", null, "An unknown error occurred");
        Attached.Enqueue((pm, customer));
        return Json(200, new JsonObject { ["id"] = pm, ["object"] = "payment_method", ["type"] = "card", ["customer"] = customer });
    }

    private JsonObject Customer(string id, IRequestMessage r)
    {
        var form = Form(r);
        if (r.Path == "/v1/customers") Customers.Enqueue(id);
        return new JsonObject
        {
            ["id"] = id, ["object"] = "customer", ["name"] = form.GetValueOrDefault("name"), ["email"] = form.GetValueOrDefault("email"),
            ["invoice_settings"] = new JsonObject { ["default_payment_method"] = form.GetValueOrDefault("invoice_settings[default_payment_method]") },
        };
    }

    private ResponseMessage Idempotent(IRequestMessage r, Func<(int, JsonNode)> answer)
    {
        var key = Header(r, "Idempotency-Key");
        lock (_gate)
        {
            if (key is not null && _byKey.TryGetValue(key, out var seen)) return Json(seen.Status, JsonNode.Parse(seen.Body)!);
            var (status, body) = answer();
            if (key is not null) _byKey[key] = (status, body.ToJsonString());
            return Json(status, body);
        }
    }

    private string Id(string prefix) => $"{prefix}_{Interlocked.Increment(ref _next).ToString("D6", CultureInfo.InvariantCulture)}{Guid.NewGuid():N}"[..(prefix.Length + 21)];

    private static ResponseMessage Error(int status, string type, string? code, string message)
    {
        var error = new JsonObject { ["type"] = type, ["message"] = message };
        if (code is not null) error["code"] = code;
        return Json(status, new JsonObject { ["error"] = error });
    }

    private static ResponseMessage Json(int status, JsonNode body) => new ResponseMessage
    {
        StatusCode = status,
        Headers = new Dictionary<string, WireMockList<string>> { ["Content-Type"] = new("application/json"), ["Request-Id"] = new("req_mock") },
        BodyData = new BodyData { BodyAsString = body.ToJsonString(), DetectedBodyType = BodyType.String },
    };

    private static string? Header(IRequestMessage r, string name) =>
        r.Headers?.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value?.FirstOrDefault();

    private static Dictionary<string, string> Form(IRequestMessage r)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (r.Body ?? "").Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var i = pair.IndexOf('=', StringComparison.Ordinal);
            var k = Uri.UnescapeDataString((i < 0 ? pair : pair[..i]).Replace('+', ' '));
            var v = i < 0 ? "" : Uri.UnescapeDataString(pair[(i + 1)..].Replace('+', ' '));
            result[k] = v;
        }
        return result;
    }
}
