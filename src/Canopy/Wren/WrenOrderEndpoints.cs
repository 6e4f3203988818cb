using Canopy.Accounts;
using Canopy.Catalog;
using Canopy.Data;
using Canopy.Ordering;
using Canopy.Payments;
using Canopy.Web;
using FluentValidation;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Wren;

/// <summary>Wren's order endpoints: parse the Wren request → the ordering core → Wren's response and errors.</summary>
internal static class WrenOrderEndpoints
{
    public static RouteGroupBuilder MapWrenOrders(this RouteGroupBuilder authed)
    {
        authed.MapPost("/offset-orders", PlaceOffsetOrderAsync).WithName("WrenCreateOffsetOrder")
            .WithSummary("Offset a number of tonnes through a portfolio")
            .WithBody<WrenOffsetOrderRequest>("application/json", "application/x-www-form-urlencoded")
            .Produces<WrenOrderResponse>().Produces<WrenMessage>(400).Produces<WrenMessage>(402).Produces<WrenMessage>(403).Produces<WrenMessage>(503);
        authed.MapPost("/project-orders", PlaceProjectOrderAsync).WithName("WrenCreateProjectOrder")
            .WithSummary("Fund one project with an amount of USD cents")
            .WithBody<WrenProjectOrderRequest>("application/json", "application/x-www-form-urlencoded")
            .Produces<WrenOrderResponse>().Produces<WrenMessage>(400).Produces<WrenMessage>(402).Produces<WrenMessage>(403).Produces<WrenMessage>(503);
        authed.MapPost("/tree-orders", PlaceTreeOrderAsync).WithName("WrenCreateTreeOrder")
            .WithSummary("Plant a number of trees")
            .WithBody<WrenTreeOrderRequest>("application/json", "application/x-www-form-urlencoded")
            .Produces<WrenOrderResponse>().Produces<WrenMessage>(400).Produces<WrenMessage>(402).Produces<WrenMessage>(403).Produces<WrenMessage>(503);
        authed.MapPost("/tree-orders/preview", PreviewTreesAsync).WithName("WrenPreviewTreeOrder")
            .WithSummary("Price a number of trees without ordering")
            .WithBody<WrenTreePreviewRequest>("application/json", "application/x-www-form-urlencoded")
            .Produces<WrenTreePreviewResponse>().Produces<WrenMessage>(400);
        return authed;
    }

    private static async Task<IResult> PlaceOffsetOrderAsync(HttpContext http, CatalogCache catalog, CanopyDbContext db, OrderService orders, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(http.Request, Json.WrenRequest, new WrenOffsetOrderValidator(), allowForm: true, ct);
        if (body.Value is not { } r) return WrenResults.Invalid(body.Errors!);
        var caller = http.GetCaller();
        var snapshot = await catalog.GetAsync(ct);

        Portfolio? portfolio;
        if (r.PortfolioId is { } pid)
        {
            if (!snapshot.PortfoliosById.TryGetValue(pid, out portfolio) || !portfolio.Active)
                return WrenResults.Message(400, $"portfolioId: there is no portfolio {pid}.");
        }
        else
        {
            var accountDefault = await db.Accounts.Where(a => a.Id == caller.AccountId).Select(a => a.DefaultPortfolioId).FirstAsync(ct);
            portfolio = accountDefault is { } d && snapshot.PortfoliosById.TryGetValue(d, out var own) && own.Active ? own : snapshot.DefaultPortfolio;
            if (portfolio is null) return WrenResults.Message(400, "portfolioId: no default portfolio is configured; name one.");
        }

        var grams = (long)decimal.Round(r.Tons!.Value * Pricing.GramsPerTonne, MidpointRounding.AwayFromZero);
        var outcome = await orders.PlaceAsync(Command(http, caller, r, OrderKind.Offset, new Target.FromPortfolio(portfolio), new Quantity.Grams(grams)), ct);
        return Respond(outcome, r, "test_oo_", p => new WrenOrderResponse
        {
            Id = null, Currency = p.Currency, AmountCharged = p.AmountCharged, AmountInUsdCents = p.PriceUsdCents,
            Tons = Tons(p.Split.Grams), PortfolioId = portfolio.Id, Note = r.Note,
        }, caller);
    }

    private static async Task<IResult> PlaceProjectOrderAsync(HttpContext http, CatalogCache catalog, OrderService orders, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(http.Request, Json.WrenRequest, new WrenProjectOrderValidator(), allowForm: true, ct);
        if (body.Value is not { } r) return WrenResults.Invalid(body.Errors!);
        var caller = http.GetCaller();
        var snapshot = await catalog.GetAsync(ct);
        if (!snapshot.Projects.TryGetValue(r.ProjectId!.Value, out var project) || !project.Active)
            return WrenResults.Message(400, $"projectId: there is no active project {r.ProjectId}.");
        if (project.Kind == ProjectKind.Tree)
            return WrenResults.Message(400, $"projectId: project {project.Id} is measured in trees; order trees with POST /api/tree-orders.");

        var kind = project.Kind == ProjectKind.Donation ? OrderKind.Donation : OrderKind.Offset;
        var outcome = await orders.PlaceAsync(Command(http, caller, r, kind, new Target.FromProject(project), new Quantity.BudgetUsdCents(r.AmountInUsdCents!.Value)), ct);
        return Respond(outcome, r, "test_po_", p => new WrenOrderResponse
        {
            Currency = p.Currency, AmountCharged = p.AmountCharged, AmountInUsdCents = p.PriceUsdCents, ProjectId = project.Id, Note = r.Note,
            Tons = kind == OrderKind.Offset ? Tons(p.Split.Grams) : null,
            Impact = kind == OrderKind.Offset ? new WrenImpact(Tons(p.Split.Grams), null) : null,
            Donation = kind == OrderKind.Donation,
        }, caller);
    }

    private static async Task<IResult> PlaceTreeOrderAsync(HttpContext http, CatalogCache catalog, OrderService orders, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(http.Request, Json.WrenRequest, new WrenTreeOrderValidator(), allowForm: true, ct);
        if (body.Value is not { } r) return WrenResults.Invalid(body.Errors!);
        var caller = http.GetCaller();
        var project = TreeProject(await catalog.GetAsync(ct), http.RequestServices.GetRequiredService<IConfiguration>());
        if (project is null) return WrenResults.Message(400, "No tree-planting project is available at the moment.");
        var trees = (int)r.AmountOfTrees!.Value;
        var outcome = await orders.PlaceAsync(Command(http, caller, r, OrderKind.Tree, new Target.FromProject(project), new Quantity.Trees(trees)), ct);
        return Respond(outcome, r, "test_to_", p => new WrenOrderResponse
        {
            Currency = p.Currency, AmountCharged = p.AmountCharged, AmountInUsdCents = p.PriceUsdCents, ProjectId = project.Id, Note = r.Note,
            Impact = new WrenImpact(null, trees),
        }, caller);
    }

    private static async Task<IResult> PreviewTreesAsync(HttpContext http, CatalogCache catalog, CanopyDbContext db, FxConverter fx, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(http.Request, Json.WrenRequest, new WrenTreePreviewValidator(), allowForm: true, ct);
        if (body.Value is not { } r) return WrenResults.Invalid(body.Errors!);
        var caller = http.GetCaller();
        var project = TreeProject(await catalog.GetAsync(ct), http.RequestServices.GetRequiredService<IConfiguration>());
        if (project is null) return WrenResults.Message(400, "No tree-planting project is available at the moment.");
        var cents = Pricing.ForTrees(r.AmountOfTrees!.Value, project.CostPerTreeUsdCents ?? 0);
        var currency = caller.IsTest ? "USD" : await db.Accounts.Where(a => a.Id == caller.AccountId).Select(a => a.Currency).FirstAsync(ct);
        var local = await fx.FromUsdCentsAsync(cents, currency, ct);
        if (local is null) return WrenResults.Message(400, $"No exchange rate from USD to {currency} is configured; the operator must set one.");
        var localMajor = local.Value / (decimal)Math.Pow(10, Currencies.Exponent(currency));
        return TypedResults.Json(new WrenTreePreviewResponse(r.AmountOfTrees.Value, cents / 100m, localMajor, currency, caller.IsTest), Json.SnakeCase);
    }

    /// <summary>
    /// The tree project Wren's tree orders plant with: <c>Canopy:TreeProjectId</c> (a project id) when set and active,
    /// otherwise the first active tree project.
    /// </summary>
    private static Project? TreeProject(CatalogSnapshot snapshot, IConfiguration config)
    {
        var chosen = config["Canopy:TreeProjectId"];
        if (!string.IsNullOrWhiteSpace(chosen) && snapshot.ProjectsByPublicId.TryGetValue(chosen, out var configured)
            && configured is { Kind: ProjectKind.Tree, Active: true })
            return configured;
        return snapshot.Projects.Values.Where(p => p.Kind == ProjectKind.Tree && p.Active).OrderBy(p => p.Id).FirstOrDefault();
    }

    private static OrderCommand Command(HttpContext http, Caller caller, IWrenOrderFields r, OrderKind kind, Target target, Quantity quantity) => new()
    {
        Caller = caller,
        Dialect = Dialect.Wren,
        Kind = kind,
        Target = target,
        Quantity = quantity,
        Payment = r.PaymentMethod == "credits" ? PaymentMethod.Credits : PaymentMethod.Card,
        DryRun = r.DryRun ?? false,
        TestPreview = caller.IsTest,
        Note = r.Note,
        OnBehalfOfName = Blank(r.OnBehalfOfName),
        OnBehalfOfEmail = Blank(r.OnBehalfOfEmail),
        SendReceiptEmail = (r.SendReceiptEmail ?? false) && !(r.DryRun ?? false),
        IdempotencyKey = Blank(http.Request.Headers["Idempotency-Key"].ToString()),
    };

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    /// <summary>Maps the core's outcome to Wren's answer: the shape on success, <c>{"message"}</c> with Wren's status otherwise.</summary>
    private static IResult Respond(OrderOutcome outcome, IWrenOrderFields r, string testPrefix, Func<PlacedOrder, WrenOrderResponse> shape, Caller caller)
    {
        if (outcome.Error is { } e)
        {
            var status = e.Code switch
            {
                OrderErrorCode.InsufficientCredits or OrderErrorCode.CardDeclined or OrderErrorCode.CardAuthenticationRequired => StatusCodes.Status402PaymentRequired,
                OrderErrorCode.PaymentUnavailable => StatusCodes.Status503ServiceUnavailable,
                OrderErrorCode.NoCardOnFile or OrderErrorCode.BillingNotSetUp => StatusCodes.Status403Forbidden,
                OrderErrorCode.Invalid or OrderErrorCode.TooSmall or OrderErrorCode.BelowCardMinimum or OrderErrorCode.NoExchangeRate => StatusCodes.Status400BadRequest,
            };
            // Wren's own hints: the way out of these two is its paymentMethod field.
            var hint = e.Code switch
            {
                OrderErrorCode.BelowCardMinimum => " Use paymentMethod \"credits\" for smaller orders.",
                OrderErrorCode.NoCardOnFile => " Or use paymentMethod \"credits\".",
                _ => "",
            };
            return WrenResults.Message(status, (e.Field is null ? e.Message : $"{e.Field}: {e.Message}") + hint);
        }
        var placed = outcome.Placed!;
        var dryRun = r.DryRun ?? false;
        var response = shape(placed) with
        {
            Id = dryRun ? null : caller.IsTest ? testPrefix + Tokens.RandomString(16) : placed.Order!.PaymentReference,
            DryRun = dryRun,
            PaymentMethod = r.PaymentMethod == "credits" ? "credits" : null,
            CreditsRemaining = r.PaymentMethod == "credits" ? placed.CreditsRemaining : null,
            Test = caller.IsTest,
        };
        return TypedResults.Json(response, Json.SnakeCase);
    }

    internal static decimal Tons(long grams) => Decimals.Trim(grams / 1_000_000m);
}
