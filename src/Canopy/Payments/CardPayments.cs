using Canopy.Data;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Payments;

/// <summary>What the ordering core asks for when an order is paid by card.</summary>
public sealed record CardPaymentRequest
{
    public required long AccountId { get; init; }
    /// <summary>The public id the order will have; the intent keeps it (a retry with the same client key reuses it).</summary>
    public required string OrderPublicId { get; init; }
    /// <summary>The client's Idempotency-Key, if it sent one.</summary>
    public string? ClientKey { get; init; }
    public required long AmountMinor { get; init; }
    public required string Currency { get; init; }
    public string? CustomerId { get; init; }
    public required string PaymentMethodId { get; init; }
    public required string Description { get; init; }
}

/// <summary>Why a client key's intent cannot be used for this request.</summary>
public enum KeyConflict
{
    None,
    /// <summary>Its payment is in flight, or already settled: the key's own answer will say (409 until then).</summary>
    InUse,
    /// <summary>It paid for something else (another amount, currency or card): a different request under the same key.</summary>
    Reused,
}

/// <summary>
/// The answer: the processor's <see cref="Charge"/>, and the order id to commit the order under (an earlier intent's
/// id when the client retries with the same key), unless the key's intent stands in the way (<see cref="Conflict"/>).
/// </summary>
public sealed record CardPaymentResult(CardCharge Charge, string OrderPublicId, KeyConflict Conflict = KeyConflict.None)
{
    public bool Approved => Charge.Approved && Conflict == KeyConflict.None;
}

/// <summary>
/// Charges a card for an order with a record first ("no charge without a record", docs/payments.md): the intent is
/// committed on its own before the processor is called, with the order id in the processor's metadata and a
/// processor idempotency key derived from the order; its outcome is then recorded. Whatever a crash or a timeout
/// leaves unsettled, <see cref="PaymentReconciler"/> settles against the processor: an order exists → completed;
/// charged without an order → refunded; not charged → failed.
/// </summary>
public sealed class CardPayments(IServiceScopeFactory scopes, ICardProcessor cards, IChargedOrders orders, TimeProvider time,
    Microsoft.Extensions.Options.IOptions<ReconcilerOptions> options)
{
    public async Task<CardPaymentResult> ChargeAsync(CardPaymentRequest r, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        var now = time.GetUtcNow().UtcDateTime;

        var intent = r.ClientKey is null ? null
            : await db.Set<CardPaymentIntent>().FirstOrDefaultAsync(i => i.AccountId == r.AccountId && i.ClientKey == r.ClientKey, ct);
        if (intent is not null)
        {
            var same = intent.AmountMinor == r.AmountMinor && intent.Currency == r.Currency && intent.PaymentMethodId == r.PaymentMethodId;
            var orphaned = intent.UpdatedAt <= now.AddSeconds(-Math.Max(0, options.Value.OrphanedIntentSeconds));
            switch (intent.Status)
            {
                case IntentStatus.Pending when !orphaned:
                    return new CardPaymentResult(Unavailable("A payment for this Idempotency-Key is in progress; retry shortly."), intent.OrderPublicId, KeyConflict.InUse);
                case IntentStatus.Pending or IntentStatus.Succeeded when !same:
                    return new CardPaymentResult(Unavailable("An earlier payment with this Idempotency-Key had other details; send a new key."), intent.OrderPublicId, KeyConflict.Reused);
                case IntentStatus.Pending:
                    // The request that wrote it died while asking the processor (longer ago than any call can take): ask
                    // again with the same processor key, as after an unknown outcome: its first charge, or one now.
                    if (!await TakeOverAsync(db, intent, now, ct))
                        return new CardPaymentResult(Unavailable("A payment for this Idempotency-Key is in progress; retry shortly."), intent.OrderPublicId, KeyConflict.InUse);
                    break;
                case IntentStatus.Failed:
                    return new CardPaymentResult(new CardCharge(intent.FailureCode == "authentication_required" ? ChargeStatus.AuthenticationRequired : ChargeStatus.Declined,
                        null, intent.FailureCode, intent.FailureMessage), intent.OrderPublicId);
                case IntentStatus.Refunded or IntentStatus.Completed:
                    return new CardPaymentResult(Unavailable("The payment for this Idempotency-Key has already been settled; send a new key."), intent.OrderPublicId, KeyConflict.InUse);
                case IntentStatus.Unknown when !same:
                    return new CardPaymentResult(Unavailable("An earlier payment with this Idempotency-Key had other details; send a new key."), intent.OrderPublicId, KeyConflict.Reused);
                case IntentStatus.Succeeded:
                    // Charged, and no order answered for the key yet: the request that charged died before its order
                    // committed (or is committing it now). This retry writes the order on that charge at once, under the
                    // intent's order id: the order's unique id and the key's claim let exactly one of the two commit, and
                    // the other keeps the money for it (RefundUncommittedAsync finds the order). Taking the intent over
                    // moves it out of the reconciler's reach while this request writes.
                    if (!await TakeOverAsync(db, intent, now, ct))
                        return new CardPaymentResult(Unavailable("A payment for this Idempotency-Key is in progress; retry shortly."), intent.OrderPublicId, KeyConflict.InUse);
                    return new CardPaymentResult(new CardCharge(ChargeStatus.Approved, intent.ChargeId, null, null, intent.ProcessorIntentId), intent.OrderPublicId);
                case IntentStatus.Unknown:
                    // Ask again with the same processor key and parameters: the processor answers its first outcome, or charges
                    // now, once. Only one retry may take the intent over (a conditional update).
                    var taken = await db.Set<CardPaymentIntent>().Where(i => i.Id == intent.Id && i.Status == IntentStatus.Unknown)
                        .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, IntentStatus.Pending).SetProperty(i => i.UpdatedAt, now), ct);
                    if (taken == 0)
                        return new CardPaymentResult(Unavailable("A payment for this Idempotency-Key is in progress; retry shortly."), intent.OrderPublicId, KeyConflict.InUse);
                    intent.Status = IntentStatus.Pending;
                    break;
            }
        }
        else
        {
            intent = new CardPaymentIntent
            {
                AccountId = r.AccountId, OrderPublicId = r.OrderPublicId, ClientKey = r.ClientKey, ProcessorKey = $"order:{r.OrderPublicId}",
                AmountMinor = r.AmountMinor, Currency = r.Currency, CustomerId = r.CustomerId, PaymentMethodId = r.PaymentMethodId,
                Status = IntentStatus.Pending, CreatedAt = now, UpdatedAt = now,
            };
            db.Add(intent);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException e) when (r.ClientKey is not null && e.IsUniqueViolation(db, "ix_payment_intents_account_id_client_key"))
            {
                // Another request with the same client key wrote its intent first.
                return new CardPaymentResult(Unavailable("A payment for this Idempotency-Key is in progress; retry shortly."), r.OrderPublicId, KeyConflict.InUse);
            }
        }

        var charge = await cards.ChargeAsync(new CardChargeRequest(r.AccountId, intent.CustomerId, intent.PaymentMethodId, intent.AmountMinor,
            intent.Currency, intent.ProcessorKey, r.Description, intent.OrderPublicId), ct);

        intent.Status = charge.Status switch
        {
            ChargeStatus.Approved => IntentStatus.Succeeded,
            ChargeStatus.Declined or ChargeStatus.AuthenticationRequired => IntentStatus.Failed,
            ChargeStatus.Unavailable => IntentStatus.Unknown,
        };
        intent.ProcessorIntentId = charge.IntentId ?? intent.ProcessorIntentId;
        intent.ChargeId = charge.ChargeId;
        intent.FailureCode = charge.DeclineCode;
        intent.FailureMessage = Truncate(charge.Message, 1000);
        intent.UpdatedAt = time.GetUtcNow().UtcDateTime;
        // The outcome is recorded whatever the client does now; a crash before this line leaves the intent pending for the reconciler.
        await db.SaveChangesAsync(CancellationToken.None);
        return new CardPaymentResult(charge, intent.OrderPublicId);
    }

    /// <summary>Refunds the charge of an intent whose order did not commit (the order's transaction failed), and records it.</summary>
    public async Task RefundUncommittedAsync(string orderPublicId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        var intent = await db.Set<CardPaymentIntent>().FirstOrDefaultAsync(i => i.OrderPublicId == orderPublicId, ct);
        if (intent is not { Status: IntentStatus.Succeeded, ChargeId: { } chargeId }) return;
        if (await orders.FindAsync(db, orderPublicId, CancellationToken.None) is not null)
        {
            intent.Status = IntentStatus.Completed; // the order did commit (the failure came after): keep the money
            await db.SaveChangesAsync(CancellationToken.None);
            return;
        }
        await cards.RefundAsync(chargeId, intent.AmountMinor, $"{intent.ProcessorKey}:refund", ct);
        intent.Status = IntentStatus.Refunded;
        intent.UpdatedAt = time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(CancellationToken.None);
    }

    /// <summary>
    /// Claims an intent for this request: a conditional update of its <see cref="CardPaymentIntent.UpdatedAt"/> from
    /// the value read, so one retry wins and the reconciler (which waits for intents untouched for a while) leaves it.
    /// </summary>
    private static async Task<bool> TakeOverAsync(CanopyDbContext db, CardPaymentIntent intent, DateTime now, CancellationToken ct)
    {
        var seen = intent.UpdatedAt;
        var status = intent.Status;
        var taken = await db.Set<CardPaymentIntent>().Where(i => i.Id == intent.Id && i.Status == status && i.UpdatedAt == seen)
            .ExecuteUpdateAsync(u => u.SetProperty(i => i.UpdatedAt, now), ct);
        intent.UpdatedAt = now;
        return taken == 1;
    }

    private static CardCharge Unavailable(string message) => new(ChargeStatus.Unavailable, null, null, message);

    internal static string? Truncate(string? s, int max) => s is null || s.Length <= max ? s : s[..max];
}
