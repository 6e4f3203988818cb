using System.Text.Json;
using Canopy.Accounts;
using Canopy.Catalog;
using Canopy.Data;
using Canopy.Ledger;
using Canopy.Notifications;
using Canopy.Payments;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Ordering;

/// <summary>How much to buy: a mass, a budget, or a number of trees.</summary>
public abstract record Quantity
{
    public sealed record Grams(long Value) : Quantity;
    public sealed record BudgetUsdCents(long Value) : Quantity;
    public sealed record Trees(int Value) : Quantity;
}

/// <summary>What to buy from: a portfolio (split by its allocations) or one project.</summary>
public abstract record Target
{
    public sealed record FromPortfolio(Portfolio Portfolio) : Target;
    public sealed record FromProject(Project Project) : Target;
}

/// <summary>Everything the ordering core needs; each dialect builds one from its own request shape.</summary>
public sealed record OrderCommand
{
    public required Caller Caller { get; init; }
    public required Dialect Dialect { get; init; }
    public required OrderKind Kind { get; init; }
    public required Target Target { get; init; }
    public required Quantity Quantity { get; init; }
    public required PaymentMethod Payment { get; init; }
    /// <summary>Price and validate only: nothing written, nothing charged.</summary>
    public bool DryRun { get; init; }
    /// <summary>Wren test mode: full validation, a canned preview, no writes (DESIGN §7).</summary>
    public bool TestPreview { get; init; }
    /// <summary>CNaught sandbox: stored and processed as a test order, never charged.</summary>
    public bool Sandbox { get; init; }
    public long? SubaccountId { get; init; }
    public string? Note { get; init; }
    public string? Metadata { get; init; }
    public string? Description { get; init; }
    public string? OnBehalfOfName { get; init; }
    public string? OnBehalfOfEmail { get; init; }
    public string? CallbackUrl { get; init; }
    public long? DistanceMeters { get; init; }
    public bool SendReceiptEmail { get; init; }
    /// <summary>The order's public id when fixed in advance (a checkout session's order).</summary>
    public string? PublicId { get; init; }
    /// <summary>Paid already, outside the order (a Stripe Checkout payment): nothing is charged; this is the payment reference.</summary>
    public string? PaidReference { get; init; }
    /// <summary>The request's Idempotency-Key: a card payment retried with it reuses its first intent, so it never charges twice.</summary>
    public string? IdempotencyKey { get; init; }
}

public enum OrderErrorCode
{
    Invalid,
    TooSmall,
    BelowCardMinimum,
    InsufficientCredits,
    NoCardOnFile,
    CardDeclined,
    CardAuthenticationRequired,
    PaymentUnavailable,
    BillingNotSetUp,
    NoExchangeRate,
}

public sealed record OrderError(OrderErrorCode Code, string Message, string? Field = null);

/// <summary>A priced order: stored (<see cref="Order"/> set) or a preview (dry run, Wren test mode).</summary>
public sealed record PlacedOrder(
    Order? Order,
    PricedSplit Split,
    int Trees,
    long PriceUsdCents,
    long AmountCharged,
    string Currency,
    long? CreditsRemaining);

public sealed record OrderOutcome(PlacedOrder? Placed, OrderError? Error)
{
    public static OrderOutcome Fail(OrderErrorCode code, string message, string? field = null) => new(null, new OrderError(code, message, field));
}

/// <summary>
/// The one ordering core of both dialects: price → split (largest remainder) → pay → record the order, its
/// allocations, its ledger transaction and its outbox messages in one database transaction.
/// </summary>
public sealed class OrderService(
    CanopyDbContext db,
    LedgerService ledger,
    LedgerAccounts ledgerAccounts,
    FxConverter fx,
    CardPayments cards,
    TimeProvider time)
{
    /// <summary>Card charges below this many USD cents are refused (credits have no minimum).</summary>
    public const long CardMinimumUsdCents = 100;
    /// <summary>
    /// The most one order may cost: USD 100 million. Validation alone lets through orders worth trillions
    /// (10 million tonnes at a project's maximum price), whose amounts in other currencies do not fit in 64 bits.
    /// </summary>
    public const long MaxOrderUsdCents = 10_000_000_000;
    /// <summary>The fixed credits balance Wren test mode shows.</summary>
    public const long TestModeBalanceUsdCents = 100_000;

    public async Task<OrderOutcome> PlaceAsync(OrderCommand cmd, CancellationToken ct)
    {
        var priced = Price(cmd);
        if (priced.Error is not null) return new OrderOutcome(null, priced.Error);
        var (split, trees) = (priced.Split!, priced.Trees);
        var cents = split.Cents;
        if (cents > MaxOrderUsdCents)
            return OrderOutcome.Fail(OrderErrorCode.Invalid,
                $"This order would cost {cents} USD cents; one order can cost at most {MaxOrderUsdCents}. Place smaller orders.");

        var account = await db.Accounts.AsNoTracking()
            .Where(a => a.Id == cmd.Caller.AccountId)
            .Select(a => new { a.Currency, a.CardPaymentMethod, a.StripeCustomerId, a.Billing })
            .FirstAsync(ct);

        // What is charged, in which currency. Credits, Wren test mode and the CNaught sandbox are USD (nothing real is charged).
        var charges = cmd.Payment == PaymentMethod.Card && !cmd.TestPreview && !cmd.Sandbox;
        var currency = charges ? account.Currency : "USD";
        var charged = await fx.FromUsdCentsAsync(cents, currency, ct);
        if (charged is null)
            return OrderOutcome.Fail(OrderErrorCode.NoExchangeRate, $"No exchange rate from USD to {currency} is configured; the operator must set one.");

        if (cmd.Payment == PaymentMethod.Card && !cmd.Sandbox && cents < CardMinimumUsdCents)
            return OrderOutcome.Fail(OrderErrorCode.BelowCardMinimum,
                $"Card charges must be at least {CardMinimumUsdCents} USD cents; this order costs {cents}.");

        if (cmd.TestPreview)
        {
            long? remaining = null;
            if (cmd.Payment == PaymentMethod.Credits)
            {
                if (cents > TestModeBalanceUsdCents)
                    return OrderOutcome.Fail(OrderErrorCode.InsufficientCredits, $"Insufficient credits: the order costs {cents} USD cents and the test balance is {TestModeBalanceUsdCents}.");
                remaining = TestModeBalanceUsdCents - cents;
            }
            return new OrderOutcome(new PlacedOrder(null, split, trees, cents, charged.Value, currency, remaining), null);
        }

        if (!cmd.Sandbox)
        {
            if (cmd.Payment == PaymentMethod.Card && account.CardPaymentMethod is null && cmd.PaidReference is null)
                return OrderOutcome.Fail(OrderErrorCode.NoCardOnFile, "No payment method on file for this account; the operator must add a card.");
            if (cmd.Payment == PaymentMethod.Invoice && account.Billing != BillingMode.Invoice)
                return OrderOutcome.Fail(OrderErrorCode.BillingNotSetUp, "Billing not set up");
        }

        if (cmd.DryRun)
        {
            long? remaining = cmd.Payment == PaymentMethod.Credits ? await ledger.CreditsBalanceAsync(cmd.Caller.AccountId, ct) - cents : null;
            if (remaining < 0)
                return OrderOutcome.Fail(OrderErrorCode.InsufficientCredits, $"Insufficient credits: the order costs {cents} USD cents and the balance is {remaining + cents}.");
            return new OrderOutcome(new PlacedOrder(null, split, trees, cents, charged.Value, currency, remaining), null);
        }

        return await WriteAsync(cmd, split, trees, charged.Value, currency, account.CardPaymentMethod, account.StripeCustomerId, ct);
    }

    private async Task<OrderOutcome> WriteAsync(OrderCommand cmd, PricedSplit split, int trees, long charged, string currency,
        string? card, string? customer, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var catalogProjects = ProjectsOf(cmd.Target);
        var order = new Order
        {
            PublicId = cmd.PublicId ?? Tokens.RandomString(12),
            OrderNumber = NewOrderNumber(),
            CertificateId = Tokens.RandomString(22),
            AccountId = cmd.Caller.AccountId,
            SubaccountId = cmd.SubaccountId,
            TokenId = cmd.Caller.TokenId,
            Mode = cmd.Sandbox ? TokenMode.Test : TokenMode.Live,
            Dialect = cmd.Dialect,
            Kind = cmd.Kind,
            State = OrderState.Placed,
            PortfolioId = cmd.Target is Target.FromPortfolio p ? p.Portfolio.Id : null,
            ProjectId = cmd.Target is Target.FromProject pr ? pr.Project.Id : null,
            Grams = split.Grams,
            Trees = trees,
            PriceUsdCents = split.Cents,
            AmountCharged = cmd.Sandbox ? 0 : charged,
            ChargeCurrency = currency,
            PaymentMethod = cmd.Payment,
            Note = cmd.Note,
            Metadata = cmd.Metadata,
            Description = cmd.Description,
            OnBehalfOfName = cmd.OnBehalfOfName,
            OnBehalfOfEmail = cmd.OnBehalfOfEmail,
            CallbackUrl = cmd.CallbackUrl,
            DistanceMeters = cmd.DistanceMeters,
            SendReceiptEmail = cmd.SendReceiptEmail,
            CreatedAt = now,
        };
        foreach (var part in split.Parts.Where(x => x.Grams > 0 || x.Cents > 0))
        {
            order.Allocations.Add(new OrderAllocation
            {
                AccountId = order.AccountId, Mode = order.Mode, ProjectId = part.ProjectId, Grams = part.Grams,
                Trees = cmd.Kind == OrderKind.Tree ? trees : 0, PriceUsdCents = part.Cents,
                Certified = catalogProjects[part.ProjectId] is { Certified: true, Kind: ProjectKind.Offset } && cmd.Kind is OrderKind.Offset or OrderKind.Ride,
                CreatedAt = now,
            });
        }

        // Ledger accounts exist before the transaction opens (see LedgerAccounts).
        List<Leg> legs = [];
        if (!cmd.Sandbox)
        {
            var source = cmd.Payment switch
            {
                PaymentMethod.Credits => await ledgerAccounts.EnsureAsync(LedgerAccountKind.CustomerCredits, "USD", order.AccountId, ct),
                PaymentMethod.Card => await ledgerAccounts.EnsureAsync(LedgerAccountKind.StripeClearing, "USD", null, ct),
                PaymentMethod.Invoice => await ledgerAccounts.EnsureAsync(LedgerAccountKind.CustomerReceivable, "USD", order.AccountId, ct),
            };
            legs.Add(new Leg(source, -split.Cents));
            foreach (var g in order.Allocations.GroupBy(a => a.ProjectId))
                legs.Add(new Leg(await ledgerAccounts.EnsureAsync(LedgerAccountKind.ProjectPayable, "USD", g.Key, ct), g.Sum(a => a.PriceUsdCents)));
        }

        // A card is charged before the transaction (with its intent recorded first) and refunded if the transaction does not commit.
        string? chargeId = null;
        if (!cmd.Sandbox && cmd.Payment == PaymentMethod.Card && cmd.PaidReference is { } paid)
        {
            order.PaymentReference = paid;
        }
        else if (!cmd.Sandbox && cmd.Payment == PaymentMethod.Card)
        {
            var payment = await cards.ChargeAsync(new CardPaymentRequest
            {
                AccountId = order.AccountId, OrderPublicId = order.PublicId, ClientKey = cmd.IdempotencyKey, AmountMinor = charged,
                Currency = currency, CustomerId = customer, PaymentMethodId = card!, Description = $"Canopy order {order.OrderNumber}",
            }, ct);
            var charge = payment.Charge;
            switch (charge.Status)
            {
                case ChargeStatus.Declined:
                    return OrderOutcome.Fail(OrderErrorCode.CardDeclined, charge.Message ?? "Your card was declined.");
                case ChargeStatus.AuthenticationRequired:
                    return OrderOutcome.Fail(OrderErrorCode.CardAuthenticationRequired, charge.Message ?? "Your card requires authentication.");
                case ChargeStatus.Unavailable:
                    return OrderOutcome.Fail(OrderErrorCode.PaymentUnavailable, charge.Message ?? "The payment processor is unavailable; try again shortly.");
            }
            order.PublicId = payment.OrderPublicId;
            chargeId = charge.ChargeId;
            order.PaymentReference = chargeId;
        }
        else if (!cmd.Sandbox && cmd.Payment == PaymentMethod.Credits)
        {
            order.PaymentReference = Guid.NewGuid().ToString();
        }

        try
        {
            long? remaining = null;
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            if (legs.Count > 0)
            {
                var posted = await ledger.PostAsync($"order:{order.PublicId}:payment", "order_payment", "USD", order.AccountId,
                    $"Order {order.OrderNumber}", legs, ct);
                if (posted == PostResult.InsufficientCredits)
                {
                    await tx.RollbackAsync(ct);
                    db.ChangeTracker.Clear();
                    var balance = await ledger.CreditsBalanceAsync(order.AccountId, ct);
                    return OrderOutcome.Fail(OrderErrorCode.InsufficientCredits,
                        $"Insufficient credits: the order costs {split.Cents} USD cents and the balance is {balance}.");
                }
            }
            db.Orders.Add(order);
            db.OutboxMessages.AddRange(OutboxFor(order, now));
            await db.SaveChangesAsync(ct);
            if (order.Mode == TokenMode.Live) await AddToTotalsAsync(order, ct);
            if (cmd.Payment == PaymentMethod.Credits && !cmd.Sandbox) remaining = await ledger.CreditsBalanceAsync(order.AccountId, ct);
            await tx.CommitAsync(CancellationToken.None); // a client gone mid-commit must not turn a committed order into a refund
            return new OrderOutcome(new PlacedOrder(order, split, trees, split.Cents, order.AmountCharged, currency, remaining), null);
        }
        catch
        {
            if (chargeId is not null)
                await cards.RefundUncommittedAsync(order.PublicId, CancellationToken.None);
            throw;
        }
    }

    private static IEnumerable<OutboxMessage> OutboxFor(Order order, DateTime now)
    {
        var payload = JsonSerializer.Serialize(new { order_id = order.PublicId });
        if (order.Kind != OrderKind.Donation)
            yield return new OutboxMessage { AccountId = order.AccountId, Topic = OutboxTopics.FulfilOrder, Subject = order.PublicId, Payload = payload, CreatedAt = now, AvailableAt = now };
        if (order.SendReceiptEmail && order.Mode == TokenMode.Live)
            yield return new OutboxMessage { AccountId = order.AccountId, Topic = OutboxTopics.ReceiptEmail, Subject = order.PublicId, Payload = payload, CreatedAt = now, AvailableAt = now };
        if (order.CallbackUrl is not null)
            yield return new OutboxMessage { AccountId = order.AccountId, Topic = OutboxTopics.OrderCallback, Subject = order.PublicId, Payload = payload, CreatedAt = now, AvailableAt = now };
    }

    /// <summary>Per-account totals for ranks, in the order's transaction (one row per account: no cross-account contention).</summary>
    private Task<int> AddToTotalsAsync(Order order, CancellationToken ct)
    {
        var certified = order.Allocations.Where(a => a.Certified).Sum(a => a.Grams);
        var uncertified = order.Allocations.Where(a => !a.Certified).Sum(a => a.Grams);
        return db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO account_totals (account_id, certified_grams, uncertified_grams, trees, orders)
            VALUES ({order.AccountId}, {certified}, {uncertified}, {(long)order.Trees}, 1)
            ON CONFLICT (account_id) DO UPDATE SET
              certified_grams = account_totals.certified_grams + excluded.certified_grams,
              uncertified_grams = account_totals.uncertified_grams + excluded.uncertified_grams,
              trees = account_totals.trees + excluded.trees,
              orders = account_totals.orders + 1
            """, ct);
    }

    private static (PricedSplit? Split, int Trees, OrderError? Error) Price(OrderCommand cmd)
    {
        switch (cmd.Target, cmd.Quantity)
        {
            case (Target.FromProject { Project: { Kind: ProjectKind.Tree } p }, Quantity.Trees t):
                var treeCents = Pricing.ForTrees(t.Value, p.CostPerTreeUsdCents ?? 0);
                return (new PricedSplit(0, treeCents, [new PricedPart(p.Id, 0, treeCents)]), t.Value, null);
            case (Target.FromProject { Project: { Kind: ProjectKind.Donation } p }, Quantity.BudgetUsdCents b):
                return (new PricedSplit(0, b.Value, [new PricedPart(p.Id, 0, b.Value)]), 0, null);
            case (Target.FromProject { Project: { Kind: ProjectKind.Offset } p }, var q):
                return Mass([new Share(p.Id, 1, p.CostPerTonUsdCents ?? 0)], q);
            case (Target.FromPortfolio f, var q):
                return Mass(CatalogSnapshot.SharesOf(f.Portfolio), q);
            default:
                return (null, 0, new OrderError(OrderErrorCode.Invalid, "This project cannot be ordered this way."));
        }
    }

    private static (PricedSplit?, int, OrderError?) Mass(IReadOnlyList<Share> shares, Quantity q)
    {
        var split = q switch
        {
            Quantity.Grams g => Pricing.ForGrams(shares, g.Value),
            Quantity.BudgetUsdCents b => Pricing.ForBudget(shares, b.Value),
            _ => throw new InvalidOperationException("Trees are bought from tree projects."),
        };
        if (split.Grams == 0)
            return (null, 0, new OrderError(OrderErrorCode.TooSmall, "The amount is too small to buy any carbon removal."));
        return (split, 0, null);
    }

    private static Dictionary<long, Project> ProjectsOf(Target target) => target switch
    {
        Target.FromPortfolio f => f.Portfolio.Allocations.ToDictionary(a => a.ProjectId, a => a.Project!),
        Target.FromProject p => new Dictionary<long, Project> { [p.Project.Id] = p.Project },
        _ => throw new InvalidOperationException(),
    };

    private static string NewOrderNumber()
    {
        var random = System.Security.Cryptography.RandomNumberGenerator.GetString("0123456789", 24);
        return $"{random[..5]}-{random[5..10]}-{random[10..15]}-{random[15..20]}-{random[20..24]}";
    }
}
