using Canopy.Accounts;
using Canopy.Data;
using Canopy.Notifications;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Canopy.Outbox;
using Canopy.Platform;

namespace Canopy.Operator;

public sealed record OutboxAttemptResponse(long Id, DateTime AttemptedAt, bool Succeeded, int? StatusCode, long? LatencyMs, string? Error);

/// <summary>An outbox message; <c>status</c> is pending (never tried), failing (tried, will retry), gave_up or completed.</summary>
public sealed record OutboxMessageResponse(long Id, string Topic, string Subject, long? AccountId, string Status, int Attempts,
    DateTime CreatedAt, DateTime AvailableAt, DateTime? CompletedAt, DateTime? GaveUpAt, string? LastError,
    IReadOnlyList<OutboxAttemptResponse>? DeliveryAttempts);

public sealed record WebhookSecretResponse(long AccountId, string WebhookSecret);

/// <summary>The outbox (pending, failing, gave up) with a retry action, and the accounts' callback signing secrets.</summary>
internal static class OutboxAdminEndpoints
{
    public static RouteGroupBuilder MapOutboxAdmin(this RouteGroupBuilder admin)
    {
        var outbox = admin.MapGroup("/outbox").WithTags("Operator: outbox");
        outbox.MapGet("", ListAsync).WithName("AdminListOutbox")
            .WithSummary("Outbox messages, newest first (?status=pending|failing|gave_up|completed, topic=, account_id=, limit, starting_after)")
            .WithPaging().WithIntegerQuery("account_id").Produces<PageResponse<OutboxMessageResponse>>();
        outbox.MapGet("/{id:long}", GetAsync).WithName("AdminGetOutboxMessage").WithSummary("An outbox message with its delivery attempts")
            .Produces<OutboxMessageResponse>();
        outbox.MapPost("/{id:long}/retry", RetryAsync).WithName("AdminRetryOutboxMessage")
            .WithSummary("Try a message again now (one that gave up gets a fresh 24 h of retries); 409 when it already completed")
            .Produces<OutboxMessageResponse>();

        var accounts = admin.MapGroup("/accounts").WithTags("Operator: accounts");
        accounts.MapGet("/{id:long}/webhook-secret", GetSecretAsync).WithName("AdminGetWebhookSecret")
            .WithSummary("The secret that signs the account's callbacks (Canopy-Signature)").Produces<WebhookSecretResponse>();
        accounts.MapPost("/{id:long}/webhook-secret/rotate", RotateSecretAsync).WithName("AdminRotateWebhookSecret")
            .WithSummary("Replace the account's callback signing secret; callbacks sent from now on use the new one").Produces<WebhookSecretResponse>();
        return admin;
    }

    private static async Task<Results<Ok<PageResponse<OutboxMessageResponse>>, ValidationProblem>> ListAsync(
        string? status, string? topic, string? account_id, HttpRequest request, CanopyDbContext db, CancellationToken ct)
    {
        var page = AdminPage.Parse(request.Query);
        if (page.Error is not null) return OperatorResults.Invalid(page.ErrorField, page.Error);
        var query = db.OutboxMessages.AsNoTracking();
        query = status switch
        {
            null => query,
            "pending" => query.Where(m => m.CompletedAt == null && m.GaveUpAt == null && m.Attempts == 0),
            "failing" => query.Where(m => m.CompletedAt == null && m.GaveUpAt == null && m.Attempts > 0),
            "gave_up" => query.Where(m => m.CompletedAt == null && m.GaveUpAt != null),
            "completed" => query.Where(m => m.CompletedAt != null),
            _ => null!,
        };
        if (query is null) return OperatorResults.Invalid("status", "'status' is pending, failing, gave_up or completed.");
        if (topic is not null) query = query.Where(m => m.Topic == topic);
        if (!AdminQuery.TryInteger<long>(account_id, out var accountId)) return OperatorResults.Invalid("account_id", AdminQuery.IntegerMessage("account_id"));
        if (accountId is { } a) query = query.Where(m => m.AccountId == a);
        var rows = await page.NewestFirstAsync(query, m => m.Id, ct);
        return TypedResults.Ok(page.Page([.. rows.Select(m => ToResponse(m, null))], m => m.Id));
    }

    private static async Task<Results<Ok<OutboxMessageResponse>, ProblemHttpResult>> GetAsync(long id, CanopyDbContext db, CancellationToken ct)
    {
        var message = await db.OutboxMessages.AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct);
        return message is null ? OperatorResults.NotFound("outbox message") : TypedResults.Ok((await WithAttemptsAsync(db, [message], ct))[0]);
    }

    private static async Task<Results<Ok<OutboxMessageResponse>, ProblemHttpResult>> RetryAsync(
        long id, CanopyDbContext db, OutboxProcessor processor, CancellationToken ct)
    {
        var message = await db.OutboxMessages.AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct);
        if (message is null) return OperatorResults.NotFound("outbox message");
        if (message.CompletedAt is not null) return OperatorResults.Conflict($"Outbox message {id} already completed.");
        if (await processor.RetryNowAsync(id, ct)) await processor.TryAsync(id, CancellationToken.None);
        var now = await db.OutboxMessages.AsNoTracking().FirstAsync(m => m.Id == id, ct);
        return TypedResults.Ok((await WithAttemptsAsync(db, [now], ct))[0]);
    }

    private static async Task<Results<Ok<WebhookSecretResponse>, ProblemHttpResult>> GetSecretAsync(long id, CanopyDbContext db, CancellationToken ct)
    {
        var secret = await db.Accounts.Where(a => a.Id == id).Select(a => a.WebhookSecret).FirstOrDefaultAsync(ct);
        return secret is null ? OperatorResults.NotFound("account") : TypedResults.Ok(new WebhookSecretResponse(id, secret));
    }

    private static async Task<Results<Ok<WebhookSecretResponse>, ProblemHttpResult>> RotateSecretAsync(long id, AccountService accounts, CancellationToken ct)
    {
        var rotated = await accounts.RotateWebhookSecretAsync(id, ct);
        return rotated.Failure is WriteFailure.NotFound n ? OperatorResults.NotFound(n.What) : TypedResults.Ok(new WebhookSecretResponse(id, rotated.Value!));
    }

    internal static async Task<List<OutboxMessageResponse>> WithAttemptsAsync(CanopyDbContext db, List<OutboxMessage> messages, CancellationToken ct)
    {
        var ids = messages.Select(m => m.Id).ToList();
        var attempts = await db.OutboxAttempts.AsNoTracking().Where(a => ids.Contains(a.MessageId)).OrderBy(a => a.Id).ToListAsync(ct);
        return [.. messages.Select(m => ToResponse(m, [.. attempts.Where(a => a.MessageId == m.Id)
            .Select(a => new OutboxAttemptResponse(a.Id, a.AttemptedAt, a.Succeeded, a.StatusCode, a.LatencyMs, a.Error))]))];
    }

    private static OutboxMessageResponse ToResponse(OutboxMessage m, IReadOnlyList<OutboxAttemptResponse>? attempts) => new(
        m.Id, m.Topic, m.Subject, m.AccountId,
        m.CompletedAt is not null ? "completed" : m.GaveUpAt is not null ? "gave_up" : m.Attempts > 0 ? "failing" : "pending",
        m.Attempts, m.CreatedAt, m.AvailableAt, m.CompletedAt, m.GaveUpAt, m.LastError, attempts);
}
