using System.Text.Json;
using Canopy.Idempotency;
using Canopy.Platform;
using FluentValidation;

namespace Canopy.Ordering;

/// <summary>
/// A dialect's voice in the one order pipeline (<see cref="OrderPipeline"/>): how its request is read and checked, what
/// command a valid request stands for, and how every answer is worded. A dialect implements it with its wire shapes
/// only; the steps, their order and what is stored under an <c>Idempotency-Key</c> are the pipeline's.
/// </summary>
public interface IOrderDialect<TRequest> where TRequest : class
{
    /// <summary>How the dialect words a key too long, a key in use and a key reused.</summary>
    IIdempotencyErrors KeyErrors { get; }
    JsonSerializerOptions RequestJson { get; }
    /// <summary>Whether a form post is read as well as JSON.</summary>
    bool AcceptsForm { get; }
    IValidator<TRequest> Validator { get; }
    /// <summary>A body that did not bind or validate, in the dialect's shape.</summary>
    IResult Invalid(FieldErrors errors);
    /// <summary>
    /// The command a valid request stands for (carrying <paramref name="claim"/>) and how to answer it; or the dialect's
    /// own refusal of the request (a header naming nothing), which is stored under the key like any answer.
    /// </summary>
    ValueTask<OrderDraft> DraftAsync(HttpContext http, TRequest request, IdempotencyClaim? claim, CancellationToken ct);
}

/// <summary>How a dialect answers one request's outcome.</summary>
public abstract class OrderReply
{
    /// <summary>The placed (or previewed) order as the exact answer sent; with a key it is stored in the order's own transaction.</summary>
    public abstract StoredAnswer Render(PlacedOrder placed);

    /// <summary>The answer sent when nothing was stored with the order (no key, or a preview).</summary>
    public virtual IResult Placed(PlacedOrder placed) => Render(placed).AsResult(replay: false);

    /// <summary>The core's refusal in the dialect's words and status (each dialect's status mapping lives in one place).</summary>
    public abstract IResult Refused(OrderError error);
}

/// <summary>What a dialect makes of a valid request: a command and its reply, or the dialect's refusal.</summary>
public readonly record struct OrderDraft(OrderCommand? Command, OrderReply? Reply, IResult? Refusal)
{
    public static OrderDraft Of(OrderCommand command, OrderReply reply) => new(command, reply, null);
    public static OrderDraft Refuse(IResult refusal) => new(null, null, refusal);
}

/// <summary>
/// Every order of every dialect: read the <c>Idempotency-Key</c> (before the body, which it fingerprints) → read and
/// validate the body → the dialect's command → the core (<see cref="OrderService"/>) → the outcome in the dialect's voice.
/// An answer that did not come out of the order's own transaction (a refusal, a preview) is stored under the key here.
/// </summary>
public sealed class OrderPipeline(OrderService orders)
{
    public async Task<IResult> PlaceAsync<TRequest>(HttpContext http, IOrderDialect<TRequest> dialect) where TRequest : class
    {
        var ct = http.RequestAborted;
        var keyErrors = dialect.KeyErrors;
        var (claim, keyError) = await IdempotentAnswers.ClaimAsync(http, keyErrors);
        if (keyError is not null) return keyError;
        var body = await RequestBody.ReadAsync(http.Request, dialect.RequestJson, dialect.Validator, dialect.AcceptsForm, ct);
        if (body.Value is not { } request) return await IdempotentAnswers.FinishAsync(http, claim, dialect.Invalid(body.Errors!), keyErrors);

        var draft = await dialect.DraftAsync(http, request, claim, ct);
        if (draft.Refusal is { } refusal) return await IdempotentAnswers.FinishAsync(http, claim, refusal, keyErrors);
        var reply = draft.Reply!;
        var outcome = await orders.PlaceAsync(draft.Command!, reply.Render, ct);
        return outcome switch
        {
            OrderOutcome.Placed { Answer: { } stored } => stored.AsResult(replay: false),
            OrderOutcome.Placed placed => await IdempotentAnswers.FinishAsync(http, claim, reply.Placed(placed.Order), keyErrors),
            OrderOutcome.Failed failed => await IdempotentAnswers.FinishAsync(http, claim, reply.Refused(failed.Error), keyErrors),
            OrderOutcome.Replayed replayed => replayed.Answer.AsResult(replay: true),
            OrderOutcome.KeyInUse => keyErrors.Concurrent(),
            OrderOutcome.KeyReused => keyErrors.ChangedPayload(),
            _ => throw new InvalidOperationException("Unknown order outcome."),
        };
    }
}
