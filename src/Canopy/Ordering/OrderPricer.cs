using Canopy.Kernel;
using Canopy.Accounts;
using Canopy.Catalog;
using Canopy.Payments;
using Microsoft.Extensions.Options;

namespace Canopy.Ordering;

/// <summary>Why something is priced: an order checks how it will be paid; a quote only prices.</summary>
public enum PricingPurpose { Order, Quote }

/// <summary>
/// The one pricing entry point of both dialects: orders, dry runs, Wren previews and CNaught quotes all come here, so a
/// quote and the order that follows always agree and obey the same limits. It resolves the source (portfolio choice:
/// named, else subaccount default, else account default, else the catalogue's default), converts the amount (one
/// rounding rule), prices and splits it (largest remainder), applies the limits, picks the payment method and test
/// mode, and converts the price into the charged currency. It reads nothing from the database: the catalogue, the
/// caller's context and the exchange rates are cached.
/// </summary>
public sealed class OrderPricer(CatalogCache catalog, AccountContextCache contexts, FxConverter fx, IOptionsMonitor<EmissionFactors> factors, IConfiguration config)
{
    public async ValueTask<(PricedOrder? Priced, OrderError? Error)> PriceAsync(OrderCommand cmd, PricingPurpose purpose, CancellationToken ct)
    {
        var snapshot = await catalog.GetAsync(ct);
        var account = await contexts.GetAsync(cmd.Caller.AccountId, ct);
        var mode = !cmd.Caller.IsTest ? OrderMode.Live : cmd.Dialect == Dialect.Wren ? OrderMode.Preview : OrderMode.Sandbox;

        Portfolio? portfolio = null;
        Project? project = null;
        switch (cmd.Source)
        {
            case OrderSource.Portfolio named:
                var found = named.Id is { } id ? snapshot.PortfoliosById.GetValueOrDefault(id)
                    : named.PublicId is { } pid ? snapshot.PortfoliosByPublicId.GetValueOrDefault(pid) : null;
                if (found is not { Active: true }) return Fail(OrderErrorCode.PortfolioNotAvailable, "The portfolio does not exist or is not available.");
                portfolio = found;
                break;
            case OrderSource.DefaultPortfolio:
                portfolio = DefaultPortfolio(snapshot, cmd.Subaccount?.DefaultPortfolioId, account.DefaultPortfolioId);
                if (portfolio is null) return Fail(OrderErrorCode.NoDefaultPortfolio, "No default portfolio is configured.");
                break;
            case OrderSource.Project p:
                if (!snapshot.Projects.TryGetValue(p.Id, out project) || !project.Active)
                    return Fail(OrderErrorCode.ProjectNotAvailable, $"There is no active project {p.Id}.");
                if (project.Kind == ProjectKind.Tree && cmd.Amount is not OrderAmount.Trees)
                    return Fail(OrderErrorCode.ProjectMeasuredInTrees, $"Project {project.Id} is measured in trees.");
                break;
            case OrderSource.TreeProject:
                project = TreeProject(snapshot);
                if (project is null) return Fail(OrderErrorCode.NoTreeProject, "No tree-planting project is available at the moment.");
                break;
        }

        // Quantity → split and price.
        var (quantity, quantityError) = Quantify(cmd.Amount, project, portfolio, account);
        if (quantityError is not null) return (null, quantityError);
        var (split, kind, trees, distanceMeters) = quantity;
        if (cmd.AgreedUsdCents is { } agreed)
        {
            // Only a payment already made agrees a price (a checkout session): it is never a client's number.
            if (cmd.PaidReference is null) throw new InvalidOperationException("An agreed price comes with the payment that agreed it (PaidReference).");
            if (split.Parts.Count > 0) split = Pricing.AtAgreedPrice(split, agreed);
        }
        if (split.Cents > OrderLimits.MaxUsdCents)
            return Fail(OrderErrorCode.TooLarge, $"This order would cost {split.Cents} USD cents; one order can cost at most {OrderLimits.MaxUsdCents}. Place smaller orders.");

        PaymentMethod? payment = cmd.Payment switch
        {
            PaymentChoice.Card => PaymentMethod.Card,
            PaymentChoice.Credits => PaymentMethod.Credits,
            _ => account.Billing switch
            {
                BillingMode.Invoice => PaymentMethod.Invoice,
                BillingMode.Credits => PaymentMethod.Credits,
                BillingMode.Card => PaymentMethod.Card,
                _ => null,
            },
        };

        // What is charged, in which currency. Credits, invoices, Wren test mode, the CNaught sandbox and a checkout
        // session (paid on Stripe's page in USD) are USD.
        var currency = payment == PaymentMethod.Card && mode == OrderMode.Live && cmd.PaidReference is null ? account.Currency : Usd.Code;
        var charged = split.Cents;
        if (purpose == PricingPurpose.Order)
        {
            if (payment == PaymentMethod.Card && mode != OrderMode.Sandbox && split.Cents < OrderLimits.CardMinimumUsdCents)
                return Fail(OrderErrorCode.BelowCardMinimum, $"Card charges must be at least {OrderLimits.CardMinimumUsdCents} USD cents; this order costs {split.Cents}.");
            if (await fx.FromUsdCentsAsync(split.Cents, currency, ct) is not { } local)
                return Fail(OrderErrorCode.NoExchangeRate, $"No exchange rate from USD to {currency} is configured; the operator must set one.");
            charged = local;
        }
        return (new PricedOrder(account, kind, mode, portfolio, project, split, trees, split.Cents, charged, currency, payment, distanceMeters), null);
    }

    /// <summary>What the amount buys: trees or a donation from one project, or grams split over the project or portfolio and priced.</summary>
    private (Quantity, OrderError?) Quantify(OrderAmount amount, Project? project, Portfolio? portfolio, AccountContext account)
    {
        switch (amount, project)
        {
            case (OrderAmount.Trees t, { Kind: ProjectKind.Tree } tp):
                if (t.Value is <= 0 or > OrderLimits.MaxTrees) return Refuse(OrderErrorCode.Invalid, $"The number of trees must be from 1 to {OrderLimits.MaxTrees}.");
                var treeCents = Pricing.ForTrees(t.Value, tp.CostPerTreeUsdCents ?? 0);
                return (new Quantity(new PricedSplit(0, treeCents, [new PricedPart(tp.Id, 0, treeCents)]), OrderKind.Tree, (int)t.Value, null), null);
            case (OrderAmount.UsdCents b, { Kind: ProjectKind.Donation } dp):
                if (b.Value is <= 0 or > OrderLimits.MaxUsdCents) return Refuse(OrderErrorCode.Invalid, $"The amount must be from 1 to {OrderLimits.MaxUsdCents} USD cents.");
                return (new Quantity(new PricedSplit(0, b.Value, [new PricedPart(dp.Id, 0, b.Value)]), OrderKind.Donation, 0, null), null);
            case (OrderAmount.Trees, _):
            case (_, { Kind: not ProjectKind.Offset }):
                return Refuse(OrderErrorCode.Invalid, "This project cannot be ordered this way.");
        }

        IReadOnlyList<Share> shares = project is { } op ? [new Share(op.Id, 1, op.CostPerTonUsdCents ?? 0)] : CatalogSnapshot.SharesOf(portfolio!);
        var kind = OrderKind.Offset;
        long? distanceMeters = null;
        long grams;
        switch (amount)
        {
            case OrderAmount.UsdCents b:
                if (b.Value is <= 0 or > OrderLimits.MaxUsdCents) return Refuse(OrderErrorCode.Invalid, $"The amount must be from 1 to {OrderLimits.MaxUsdCents} USD cents.");
                var budget = Pricing.ForBudget(shares, b.Value);
                return budget.Grams == 0
                    ? Refuse(OrderErrorCode.TooSmall, "The amount is too small to buy any carbon removal.")
                    : (new Quantity(budget, kind, 0, null), null);
            case OrderAmount.Tonnes t:
                if (t.Value <= 0 || t.Value > OrderLimits.MaxTonnes) return Refuse(OrderErrorCode.TooLarge, $"The mass must be more than 0 and at most {OrderLimits.MaxTonnes} tonnes.");
                grams = OrderLimits.GramsFromTonnes(t.Value);
                break;
            case OrderAmount.Kilograms k:
                if (k.Value <= 0 || k.Value > OrderLimits.MaxKg) return Refuse(OrderErrorCode.TooLarge, $"The mass must be more than 0 and at most {OrderLimits.MaxKg} kg.");
                grams = OrderLimits.GramsFromKg(k.Value);
                break;
            case OrderAmount.ForActivity a:
                grams = Emissions.Grams(factors.CurrentValue.ForAccount(account.RideGramsPerKm), a.Activity, a.DistanceKm, a.FreightKg, a.VehicleType, a.SquareFeet);
                if (grams > OrderLimits.MaxGrams)
                    return Refuse(OrderErrorCode.TooLarge, a.Activity == Activity.Ride ? "The ride is too long to offset in one order." : "The activity is too large to offset in one order.");
                if (a.Activity == Activity.Ride)
                {
                    kind = OrderKind.Ride;
                    distanceMeters = (long)decimal.Round(a.DistanceKm * 1000m, MidpointRounding.AwayFromZero);
                }
                break;
            default:
                return Refuse(OrderErrorCode.Invalid, "This project cannot be ordered this way.");
        }
        if (grams < 1) return Refuse(OrderErrorCode.TooSmall, "The amount is too small to buy any carbon removal.");
        return (new Quantity(Pricing.ForGrams(shares, grams), kind, 0, distanceMeters), null);
    }

    /// <summary>An amount turned into grams (or trees) per project and their price.</summary>
    private readonly record struct Quantity(PricedSplit Split, OrderKind Kind, int Trees, long? DistanceMeters);

    private static (Quantity, OrderError?) Refuse(OrderErrorCode code, string message) => (default, new OrderError(code, message));

    /// <summary>Prices a number of trees from the operator's tree project, in USD and in the caller's currency (Wren's tree preview).</summary>
    public async ValueTask<(long UsdCents, long Local, string Currency, OrderError? Error)> PriceTreesAsync(Caller caller, long trees, CancellationToken ct)
    {
        var project = TreeProject(await catalog.GetAsync(ct));
        if (project is null) return (0, 0, Usd.Code, new OrderError(OrderErrorCode.NoTreeProject, "No tree-planting project is available at the moment."));
        var cents = Pricing.ForTrees(trees, project.CostPerTreeUsdCents ?? 0);
        var currency = caller.IsTest ? Usd.Code : (await contexts.GetAsync(caller.AccountId, ct)).Currency;
        return await fx.FromUsdCentsAsync(cents, currency, ct) is { } local
            ? (cents, local, currency, null)
            : (cents, 0, currency, new OrderError(OrderErrorCode.NoExchangeRate, $"No exchange rate from USD to {currency} is configured; the operator must set one."));
    }

    private static Portfolio? DefaultPortfolio(CatalogSnapshot snapshot, long? subaccountDefault, long? accountDefault)
    {
        foreach (var id in new[] { subaccountDefault, accountDefault })
            if (id is { } pid && snapshot.PortfoliosById.TryGetValue(pid, out var d) && d.Active) return d;
        return snapshot.DefaultPortfolio;
    }

    /// <summary><c>Canopy:TreeProjectId</c> (a project's public id) when set and active, otherwise the first active tree project.</summary>
    private Project? TreeProject(CatalogSnapshot snapshot)
    {
        var chosen = config["Canopy:TreeProjectId"];
        if (!string.IsNullOrWhiteSpace(chosen) && snapshot.ProjectsByPublicId.TryGetValue(chosen, out var configured)
            && configured is { Kind: ProjectKind.Tree, Active: true })
            return configured;
        return snapshot.Projects.Values.Where(p => p.Kind == ProjectKind.Tree && p.Active).OrderBy(p => p.Id).FirstOrDefault();
    }

    private static (PricedOrder?, OrderError?) Fail(OrderErrorCode code, string message) => (null, new OrderError(code, message));
}
