using Canopy.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Stripe;

namespace Canopy.Payments.Webhooks;

/// <summary>Handles one Stripe event type. Must be idempotent: an event may arrive again after a crash.</summary>
public interface IStripeWebhookHandler
{
    string EventType { get; }
    Task HandleAsync(Event stripeEvent, CancellationToken ct);
}

public sealed record StripeWebhookAnswer(bool Received, string Status);

/// <summary>
/// <c>POST /webhooks/stripe</c>: Stripe's events. The signature (<c>Stripe-Signature</c>) is verified on the raw body
/// with the endpoint's secret; each event id is recorded once (a replay is answered 200 and applied no more); each
/// event type has its own small handler. A handler failure answers 500 so that Stripe retries.
/// </summary>
internal static class StripeWebhookEndpoints
{
    public const int MaxBodyBytes = 512 * 1024;
    /// <summary>A claim on an event left by a crashed node may be taken over after this long.</summary>
    private static readonly TimeSpan Takeover = TimeSpan.FromMinutes(5);

    public static WebApplication MapStripeWebhooks(this WebApplication app)
    {
        app.MapPost("/webhooks/stripe", ReceiveAsync).WithName("StripeWebhook").WithTags("Stripe webhooks")
            .WithSummary("Stripe's events (payment intents, refunds, disputes, checkout sessions), signed with Stripe:WebhookSecret")
            .Accepts<string>("application/json")
            .Produces<StripeWebhookAnswer>().ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .DisableAntiforgery();
        return app;
    }

    private static async Task<IResult> ReceiveAsync(HttpRequest request, CanopyDbContext db, IOptions<StripeOptions> options, TimeProvider time,
        IEnumerable<IStripeWebhookHandler> handlers, ILoggerFactory loggers, CancellationToken ct)
    {
        var logger = loggers.CreateLogger("Canopy.Payments.Webhooks");
        var secret = options.Value.WebhookSecret;
        // Not a temporary condition (Stripe would retry a 503 for days): without a secret this instance has no such endpoint.
        if (string.IsNullOrWhiteSpace(secret))
            return TypedResults.Problem(statusCode: 404, title: "Not Found", detail: "Stripe webhooks are not configured on this instance (Stripe:WebhookSecret is not set).");

        if (request.ContentLength > MaxBodyBytes) return Bad("The body is too large.");
        string json;
        using (var reader = new StreamReader(request.Body, System.Text.Encoding.UTF8))
        {
            var buffer = new char[MaxBodyBytes + 1];
            var read = await reader.ReadBlockAsync(buffer.AsMemory(), ct);
            if (read > MaxBodyBytes) return Bad("The body is too large.");
            json = new string(buffer, 0, read);
        }

        Event stripeEvent;
        try
        {
            var now = time.GetUtcNow().ToUnixTimeSeconds();
            stripeEvent = EventUtility.ConstructEvent(json, request.Headers["Stripe-Signature"].ToString(), secret,
                options.Value.WebhookToleranceSeconds, now, throwOnApiVersionMismatch: false);
        }
        catch (StripeException ex)
        {
            logger.LogWarning("Refused a Stripe webhook: {Reason}", ex.Message);
            return Bad("The Stripe-Signature header does not verify this body.");
        }
        catch (Exception ex) when (ex is System.Text.Json.JsonException or Newtonsoft.Json.JsonException or ArgumentException
            or InvalidOperationException or FormatException or OverflowException)
        {
            // Stripe.net checks the signature first, so these are bodies signed with our secret that are still not events
            // (not an object, no id), or a timestamp that is not a number: refused, not a 500 that Stripe would retry for days.
            return Bad("The body is not a Stripe event.");
        }
        if (stripeEvent is not { Id.Length: > 0 and <= StripeEvent.MaxIdLength, Type.Length: > 0 })
            return Bad("The body is not a Stripe event.");

        var events = db.Set<StripeEvent>();
        var received = time.GetUtcNow().UtcDateTime;
        var seen = await events.AsNoTracking().FirstOrDefaultAsync(e => e.Id == stripeEvent.Id, ct);
        if (seen?.ProcessedAt is not null) return TypedResults.Ok(new StripeWebhookAnswer(true, "duplicate"));
        if (seen is not null)
        {
            if (received - seen.ReceivedAt < Takeover)
                return TypedResults.Problem(statusCode: 409, title: "Event in progress", detail: "This event is being applied; Stripe will retry.");
            var taken = await events.Where(e => e.Id == seen.Id && e.ProcessedAt == null && e.ReceivedAt == seen.ReceivedAt)
                .ExecuteUpdateAsync(s => s.SetProperty(e => e.ReceivedAt, received), ct);
            if (taken == 0) return TypedResults.Problem(statusCode: 409, title: "Event in progress", detail: "This event is being applied; Stripe will retry.");
        }
        else
        {
            db.Add(new StripeEvent { Id = stripeEvent.Id, Type = Truncate(stripeEvent.Type, 100), ReceivedAt = received });
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException e) when (e.IsUniqueViolation(db, "pk_stripe_events"))
            {
                return TypedResults.Problem(statusCode: 409, title: "Event in progress", detail: "This event is being applied; Stripe will retry.");
            }
            db.ChangeTracker.Clear();
        }

        var handler = handlers.FirstOrDefault(h => h.EventType == stripeEvent.Type);
        try
        {
            if (handler is not null) await handler.HandleAsync(stripeEvent, ct);
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Stripe event {EventId} ({Type}) failed; Stripe will send it again", stripeEvent.Id, stripeEvent.Type);
            await events.Where(e => e.Id == stripeEvent.Id && e.ProcessedAt == null).ExecuteDeleteAsync(CancellationToken.None);
            throw;
        }
        var done = time.GetUtcNow().UtcDateTime;
        await events.Where(e => e.Id == stripeEvent.Id).ExecuteUpdateAsync(s => s.SetProperty(e => e.ProcessedAt, done), CancellationToken.None);
        return TypedResults.Ok(new StripeWebhookAnswer(true, handler is null ? "ignored" : "applied"));
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Bad(string detail) => TypedResults.Problem(statusCode: 400, title: "Invalid webhook", detail: detail);

    private static string Truncate(string s, int max) => s.Length <= max ? s : s[..max];
}

internal static class StripeWebhookSetup
{
    public static IServiceCollection AddStripeWebhookHandlers(this IServiceCollection services)
    {
        services.AddScoped<IStripeWebhookHandler, PaymentIntentSucceededHandler>();
        services.AddScoped<IStripeWebhookHandler, PaymentIntentFailedHandler>();
        return services;
    }
}
