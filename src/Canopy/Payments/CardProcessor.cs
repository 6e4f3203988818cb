using System.Collections.Concurrent;
using Canopy.Accounts;

namespace Canopy.Payments;

public sealed record CardChargeRequest(long AccountId, string? CustomerId, string PaymentMethodId, long AmountMinor, string Currency,
    string IdempotencyKey, string Description, string? OrderPublicId = null);

public enum ChargeStatus
{
    Approved,
    /// <summary>Declined by the card's issuer (card_declined, insufficient_funds, …): no money moved.</summary>
    Declined,
    /// <summary>The issuer wants the card holder to authenticate (3-D Secure), which an off-session charge cannot do.</summary>
    AuthenticationRequired,
    /// <summary>The processor failed or did not answer in time: it may or may not have charged.</summary>
    Unavailable,
}

/// <summary>The processor's answer: an approved charge id, or why not.</summary>
public sealed record CardCharge(ChargeStatus Status, string? ChargeId, string? DeclineCode, string? Message, string? IntentId = null)
{
    public bool Approved => Status == ChargeStatus.Approved;
}

/// <summary>Who owns a card being put on file: the processor keeps one customer per account.</summary>
public sealed record CardOwner(long AccountId, string Name, string? Email, string? CustomerId);

/// <summary>A card put on file: the processor's customer id, or why the payment method was refused.</summary>
public sealed record SavedCard(string? CustomerId, string? Error, bool Unavailable = false);

public enum ProcessorChargeState { Charged, NotCharged, Unknown }

/// <summary>What the processor knows about an intent's charge, for the reconciler.</summary>
public sealed record ProcessorChargeView(ProcessorChargeState State, string? IntentId, string? ChargeId);

/// <summary>Charges and refunds cards. Stripe in production; a simulated processor until Stripe is configured.</summary>
public interface ICardProcessor
{
    string Name { get; }
    bool IsValidPaymentMethodId(string id);
    Task<CardCharge> ChargeAsync(CardChargeRequest request, CancellationToken ct);
    /// <summary>Refunds all of a charge (a charge id or a payment-intent id); safe to repeat with the same key.</summary>
    Task RefundAsync(string chargeId, long amountMinor, string idempotencyKey, CancellationToken ct);

    /// <summary>Puts a payment method on file for the account's customer (creating the customer the first time).</summary>
    Task<SavedCard> SaveCardAsync(CardOwner owner, string paymentMethodId, CancellationToken ct) =>
        Task.FromResult(new SavedCard(owner.CustomerId, null));

    /// <summary>Whether the charge asked for with <paramref name="idempotencyKey"/> for this order happened.</summary>
    Task<ProcessorChargeView> FindChargeAsync(string orderPublicId, string idempotencyKey, string? intentId, CancellationToken ct) =>
        Task.FromResult(new ProcessorChargeView(ProcessorChargeState.Unknown, intentId, null));
}

/// <summary>
/// Approves every charge (ids <c>ch_sim_…</c>) except the documented test cases (docs/payments.md): the payment
/// methods <c>pm_card_chargeDeclined</c>, <c>pm_card_insufficientFunds</c> and <c>pm_card_authenticationRequired</c>,
/// and amounts whose last four digits are 0402 (declined) or 0051 (insufficient funds). Repeating an idempotency key
/// repeats the first answer.
/// </summary>
public sealed class SimulatedCardProcessor : ICardProcessor
{
    private readonly ConcurrentDictionary<string, CardCharge> _charges = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _refunds = new(StringComparer.Ordinal);

    public string Name => "simulated";

    public bool IsValidPaymentMethodId(string id) =>
        id.StartsWith("pm_", StringComparison.Ordinal) && id.Length is > 3 and <= 255 && id.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    public Task<CardCharge> ChargeAsync(CardChargeRequest request, CancellationToken ct) =>
        Task.FromResult(_charges.GetOrAdd(request.IdempotencyKey, _ => Decide(request)));

    public Task RefundAsync(string chargeId, long amountMinor, string idempotencyKey, CancellationToken ct)
    {
        _refunds.TryAdd(idempotencyKey, chargeId);
        return Task.CompletedTask;
    }

    public Task<ProcessorChargeView> FindChargeAsync(string orderPublicId, string idempotencyKey, string? intentId, CancellationToken ct) =>
        Task.FromResult(_charges.TryGetValue(idempotencyKey, out var c)
            ? new ProcessorChargeView(c.Approved ? ProcessorChargeState.Charged : ProcessorChargeState.NotCharged, null, c.ChargeId)
            : new ProcessorChargeView(ProcessorChargeState.NotCharged, null, null));

    private static CardCharge Decide(CardChargeRequest request)
    {
        var tail = request.AmountMinor % 10_000;
        if (request.PaymentMethodId == "pm_card_chargeDeclined" || tail == 402)
            return new CardCharge(ChargeStatus.Declined, null, "card_declined", "Your card was declined.");
        if (request.PaymentMethodId == "pm_card_insufficientFunds" || tail == 51)
            return new CardCharge(ChargeStatus.Declined, null, "insufficient_funds", "Your card has insufficient funds.");
        if (request.PaymentMethodId == "pm_card_authenticationRequired")
            return new CardCharge(ChargeStatus.AuthenticationRequired, null, "authentication_required",
                "Your card requires authentication, which a charge made on your behalf cannot do; use another card.");
        return new CardCharge(ChargeStatus.Approved, "ch_sim_" + Tokens.RandomString(24), null, null);
    }
}
