using System.Collections.Concurrent;
using Canopy.Accounts;

namespace Canopy.Payments;

public sealed record CardChargeRequest(long AccountId, string? CustomerId, string PaymentMethodId, long AmountMinor, string Currency,
    string IdempotencyKey, string Description);

/// <summary>The processor's answer: an approved charge id, or a decline code and message.</summary>
public sealed record CardCharge(bool Approved, string? ChargeId, string? DeclineCode, string? Message);

/// <summary>Charges and refunds cards. Stripe in production; a simulated processor until Stripe is configured.</summary>
public interface ICardProcessor
{
    string Name { get; }
    bool IsValidPaymentMethodId(string id);
    Task<CardCharge> ChargeAsync(CardChargeRequest request, CancellationToken ct);
    /// <summary>Refunds all of a charge; safe to repeat with the same key.</summary>
    Task RefundAsync(string chargeId, long amountMinor, string idempotencyKey, CancellationToken ct);
}

/// <summary>
/// Approves every charge (ids <c>ch_sim_…</c>) except the documented test cases (docs/payments.md): the payment
/// methods <c>pm_card_chargeDeclined</c> and <c>pm_card_insufficientFunds</c>, and amounts whose last four digits
/// are 0402 (declined) or 0051 (insufficient funds). Repeating an idempotency key repeats the first answer.
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

    private static CardCharge Decide(CardChargeRequest request)
    {
        var tail = request.AmountMinor % 10_000;
        if (request.PaymentMethodId == "pm_card_chargeDeclined" || tail == 402)
            return new CardCharge(false, null, "card_declined", "Your card was declined.");
        if (request.PaymentMethodId == "pm_card_insufficientFunds" || tail == 51)
            return new CardCharge(false, null, "insufficient_funds", "Your card has insufficient funds.");
        return new CardCharge(true, "ch_sim_" + Tokens.RandomString(24), null, null);
    }
}
