using Canopy.Data;

namespace Canopy.Payments;

/// <summary>
/// The orders that card charges pay for, as far as payments need to see them. Ordering implements it, so that payments
/// never name an order: the arrow points from ordering to payments only.
/// </summary>
public interface IChargedOrders
{
    /// <summary>Whether the order committed, and the charge recorded on it (null when none is).</summary>
    Task<ChargedOrder?> FindAsync(CanopyDbContext db, string orderPublicId, CancellationToken ct);

    /// <summary>Records the charge on the order unless one is recorded already.</summary>
    Task RecordChargeAsync(CanopyDbContext db, string orderPublicId, string chargeId, CancellationToken ct);
}

/// <summary>A committed order's payment reference (the card's charge id), when it has one.</summary>
public sealed record ChargedOrder(string? PaymentReference);
