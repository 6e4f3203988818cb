using Canopy.Accounts;
using Canopy.Idempotency;

namespace Canopy.Ordering;

/// <summary>How much to buy, in the unit the client used; the core converts it (<see cref="OrderLimits"/>).</summary>
public abstract record OrderAmount
{
    public sealed record Tonnes(decimal Value) : OrderAmount;
    public sealed record Kilograms(decimal Value) : OrderAmount;
    /// <summary>A budget: the largest mass whose price fits it (or the whole amount, for a donation project).</summary>
    public sealed record UsdCents(long Value) : OrderAmount;
    public sealed record Trees(long Value) : OrderAmount;
    /// <summary>The mass an activity emits, by the emission factors (the account's own ride factor included).</summary>
    public sealed record ForActivity(Activity Activity, decimal DistanceKm, decimal FreightKg = 0, string? VehicleType = null, decimal SquareFeet = 0) : OrderAmount;
}

/// <summary>What to buy from, as the client named it; the core resolves it against the catalogue.</summary>
public abstract record OrderSource
{
    /// <summary>The subaccount's default portfolio, else the account's, else the catalogue's default.</summary>
    public sealed record DefaultPortfolio : OrderSource;
    /// <summary>A portfolio by its integer id (Wren) or its public id (CNaught).</summary>
    public sealed record Portfolio(long? Id, string? PublicId) : OrderSource;
    /// <summary>One project, by its integer id.</summary>
    public sealed record Project(long Id) : OrderSource;
    /// <summary>The tree project the operator chose (<c>Canopy:TreeProjectId</c>), else the first active one.</summary>
    public sealed record TreeProject : OrderSource;
}

/// <summary>How the client asked to pay.</summary>
public enum PaymentChoice
{
    Card,
    Credits,
    /// <summary>However the operator set the account up to be billed (CNaught).</summary>
    AccountBilling,
}

/// <summary>Everything the ordering core needs; each dialect builds one from its own request shape and nothing more.</summary>
public sealed record OrderCommand
{
    public required Caller Caller { get; init; }
    public required Dialect Dialect { get; init; }
    public required OrderSource Source { get; init; }
    public required OrderAmount Amount { get; init; }
    public PaymentChoice Payment { get; init; } = PaymentChoice.AccountBilling;
    /// <summary>Price and validate only: nothing written, nothing charged.</summary>
    public bool DryRun { get; init; }
    /// <summary>The subaccount the request named (already resolved by the dialect, which owns the header's error).</summary>
    public SubaccountContext? Subaccount { get; init; }
    public string? Note { get; init; }
    public string? Metadata { get; init; }
    public string? Description { get; init; }
    public string? OnBehalfOfName { get; init; }
    public string? OnBehalfOfEmail { get; init; }
    public string? CallbackUrl { get; init; }
    public bool SendReceiptEmail { get; init; }
    /// <summary>The request's <c>Idempotency-Key</c> claim: committed with the order and its answer, or not at all.</summary>
    public IdempotencyClaim? Idempotency { get; init; }
    /// <summary>The order's public id when it was fixed in advance (a checkout session's order).</summary>
    public string? PublicId { get; init; }
    /// <summary>Paid already, outside the order (a Stripe Checkout payment): nothing is charged; this is the payment reference.</summary>
    public string? PaidReference { get; init; }
    /// <summary>The checkout session (its public id) whose payment this order is.</summary>
    public string? CheckoutSessionId { get; init; }
}
