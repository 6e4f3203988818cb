using Canopy.Accounts;
using Canopy.Catalog;
using Canopy.Idempotency;

namespace Canopy.Ordering;

public enum OrderErrorCode
{
    Invalid,
    TooSmall,
    TooLarge,
    BelowCardMinimum,
    InsufficientCredits,
    NoCardOnFile,
    CardDeclined,
    /// <summary>The card's bank wants its holder to authenticate, which a charge made on their behalf cannot do.</summary>
    CardAuthenticationRequired,
    /// <summary>The payment processor failed or did not answer: nothing was written; the client may retry.</summary>
    PaymentUnavailable,
    BillingNotSetUp,
    NoExchangeRate,
    PortfolioNotAvailable,
    NoDefaultPortfolio,
    ProjectNotAvailable,
    ProjectMeasuredInTrees,
    NoTreeProject,
}

/// <summary>An expected refusal; each dialect words it in its own error shape.</summary>
public sealed record OrderError(OrderErrorCode Code, string Message);

/// <summary>What happens to an order in test mode (DESIGN §7).</summary>
public enum OrderMode
{
    Live,
    /// <summary>CNaught test keys: stored and processed as a test order, never charged.</summary>
    Sandbox,
    /// <summary>Wren test tokens: fully validated and priced, nothing written.</summary>
    Preview,
}

/// <summary>An order priced from the cached catalogue and caller context: what it buys, what it costs, how it is paid.</summary>
public sealed record PricedOrder(
    AccountContext Account,
    OrderKind Kind,
    OrderMode Mode,
    Portfolio? Portfolio,
    Project? Project,
    PricedSplit Split,
    int Trees,
    long PriceUsdCents,
    long AmountCharged,
    string Currency,
    PaymentMethod? Payment,
    long? DistanceMeters);

/// <summary>A priced order: stored (<see cref="Order"/> set) or a preview (dry run, Wren test mode).</summary>
public sealed record PlacedOrder(PricedOrder Priced, Order? Order, long? CreditsRemaining)
{
    public PricedSplit Split => Priced.Split;
    public int Trees => Priced.Trees;
    public long PriceUsdCents => Priced.PriceUsdCents;
    public long AmountCharged => Order?.AmountCharged ?? Priced.AmountCharged;
    public string Currency => Priced.Currency;
}

/// <summary>What placing an order came to.</summary>
public abstract record OrderOutcome
{
    /// <summary>Stored, or previewed. <see cref="Answer"/> is the stored idempotent answer when the request carried a key.</summary>
    public sealed record Placed(PlacedOrder Order, StoredAnswer? Answer) : OrderOutcome;
    public sealed record Failed(OrderError Error) : OrderOutcome;
    /// <summary>The key's earlier request finished: send its answer again.</summary>
    public sealed record Replayed(StoredAnswer Answer) : OrderOutcome;
    /// <summary>Another request with the key is in flight.</summary>
    public sealed record KeyInUse : OrderOutcome;
    /// <summary>The key was used for a different request.</summary>
    public sealed record KeyReused : OrderOutcome;

    public static Failed Fail(OrderErrorCode code, string message) => new(new OrderError(code, message));
}
