using System.Text.Json;
using Canopy.Accounts;
using Canopy.Idempotency;
using Canopy.Ordering;
using Canopy.Kernel;
using Canopy.Platform;
using FluentValidation;

namespace Canopy.Wren;

/// <summary>Wren's order endpoints: parse the Wren request → one <see cref="OrderCommand"/> → Wren's response and errors.</summary>
internal static class WrenOrderEndpoints
{
    internal static readonly WrenIdempotencyErrors IdempotencyErrors = new();

    public static RouteGroupBuilder MapWrenOrders(this RouteGroupBuilder authed)
    {
        // Orders take their Idempotency-Key inside the order's own transaction (see OrderService); the preview writes
        // nothing but honours keys like every POST, through the filter.
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
            .AddEndpointFilter<IdempotencyFilter<WrenIdempotencyErrors>>()
            .WithSummary("Price a number of trees without ordering")
            .WithBody<WrenTreePreviewRequest>("application/json", "application/x-www-form-urlencoded")
            .Produces<WrenTreePreviewResponse>().Produces<WrenMessage>(400);
        return authed;
    }

    private static readonly WrenOrderVoice<WrenOffsetOrderRequest> OffsetOrders = new(Validators<WrenOffsetOrderValidator>.Instance, "test_oo_",
        r => (r.PortfolioId is { } id ? new OrderSource.Portfolio(id, null) : new OrderSource.DefaultPortfolio(), new OrderAmount.Tonnes(r.Tons!.Value)),
        (r, p) => new WrenOrderResponse
        {
            Currency = p.Currency, AmountCharged = p.AmountCharged, AmountInUsdCents = p.PriceUsdCents,
            Tons = Tons(p.Split.Grams), PortfolioId = p.Priced.Portfolio!.Id, Note = r.Note,
        });

    private static readonly WrenOrderVoice<WrenProjectOrderRequest> ProjectOrders = new(Validators<WrenProjectOrderValidator>.Instance, "test_po_",
        r => (new OrderSource.Project(r.ProjectId!.Value), new OrderAmount.UsdCents(r.AmountInUsdCents!.Value)),
        (r, p) => new WrenOrderResponse
        {
            Currency = p.Currency, AmountCharged = p.AmountCharged, AmountInUsdCents = p.PriceUsdCents, ProjectId = p.Priced.Project!.Id, Note = r.Note,
            Tons = p.Priced.Kind == OrderKind.Offset ? Tons(p.Split.Grams) : null,
            Impact = p.Priced.Kind == OrderKind.Offset ? new WrenImpact(Tons(p.Split.Grams), null) : null,
            Donation = p.Priced.Kind == OrderKind.Donation,
        });

    private static readonly WrenOrderVoice<WrenTreeOrderRequest> TreeOrders = new(Validators<WrenTreeOrderValidator>.Instance, "test_to_",
        r => (new OrderSource.TreeProject(), new OrderAmount.Trees(r.AmountOfTrees!.Value)),
        (r, p) => new WrenOrderResponse
        {
            Currency = p.Currency, AmountCharged = p.AmountCharged, AmountInUsdCents = p.PriceUsdCents, ProjectId = p.Priced.Project!.Id, Note = r.Note,
            Impact = new WrenImpact(null, p.Trees),
        });

    private static Task<IResult> PlaceOffsetOrderAsync(HttpContext http, OrderPipeline pipeline) => pipeline.PlaceAsync(http, OffsetOrders);

    private static Task<IResult> PlaceProjectOrderAsync(HttpContext http, OrderPipeline pipeline) => pipeline.PlaceAsync(http, ProjectOrders);

    private static Task<IResult> PlaceTreeOrderAsync(HttpContext http, OrderPipeline pipeline) => pipeline.PlaceAsync(http, TreeOrders);

    private static async Task<IResult> PreviewTreesAsync(HttpContext http, OrderPricer pricer, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(http.Request, Json.LenientCamelCase, Validators<WrenTreePreviewValidator>.Instance, allowForm: true, ct);
        if (body.Value is not { } r) return WrenResults.Invalid(body.Errors!);
        var caller = http.GetCaller();
        var (cents, local, currency, error) = await pricer.PriceTreesAsync(caller, r.AmountOfTrees!.Value, ct);
        if (error is not null) return WrenResults.Message(400, error.Message);
        var localMajor = local / (decimal)Math.Pow(10, Currencies.Exponent(currency));
        return TypedResults.Json(new WrenTreePreviewResponse(r.AmountOfTrees.Value, cents / 100m, localMajor, currency, caller.IsTest), Json.SnakeCase);
    }

    /// <summary>The core's refusals in Wren's words and statuses: Wren's one status mapping for orders.</summary>
    internal static IResult Refusal(OrderError e, OrderSource source)
    {
        var (status, message) = e.Code switch
        {
            OrderErrorCode.InsufficientCredits => (400, e.Message), // Wren: "400 — … or insufficient credit balance"
            OrderErrorCode.CardDeclined or OrderErrorCode.CardAuthenticationRequired => (402, e.Message),
            OrderErrorCode.PaymentUnavailable => (503, e.Message),
            OrderErrorCode.NoCardOnFile => (403, e.Message + " Or use paymentMethod \"credits\"."),
            OrderErrorCode.BillingNotSetUp => (403, e.Message),
            OrderErrorCode.BelowCardMinimum => (400, e.Message + " Use paymentMethod \"credits\" for smaller orders."),
            OrderErrorCode.PortfolioNotAvailable => (400, $"portfolioId: there is no portfolio {(source as OrderSource.Portfolio)?.Id}."),
            OrderErrorCode.NoDefaultPortfolio => (400, "portfolioId: no default portfolio is configured; name one."),
            OrderErrorCode.ProjectNotAvailable => (400, $"projectId: there is no active project {(source as OrderSource.Project)?.Id}."),
            OrderErrorCode.ProjectMeasuredInTrees => (400, $"projectId: project {(source as OrderSource.Project)?.Id} is measured in trees; order trees with POST /api/tree-orders."),
            _ => (400, e.Message),
        };
        return WrenResults.Message(status, message);
    }

    internal static decimal Tons(long grams) => Mass.Tonnes(grams);
}

/// <summary>
/// Wren's voice in the one order pipeline, one per request shape: what the request buys (<paramref name="what"/>) and how
/// its answer looks (<paramref name="shape"/>); the fields every Wren order shares are read here.
/// </summary>
internal sealed class WrenOrderVoice<TRequest>(AbstractValidator<TRequest> validator, string testPrefix,
    Func<TRequest, (OrderSource Source, OrderAmount Amount)> what, Func<TRequest, PlacedOrder, WrenOrderResponse> shape)
    : IOrderDialect<TRequest> where TRequest : class, IWrenOrderFields
{
    private readonly string prefix = testPrefix;
    private readonly Func<TRequest, PlacedOrder, WrenOrderResponse> shapeOf = shape;

    public IIdempotencyErrors KeyErrors => WrenOrderEndpoints.IdempotencyErrors;
    public JsonSerializerOptions RequestJson => Json.LenientCamelCase;
    public bool AcceptsForm => true;
    public IValidator<TRequest> Validator => validator;

    public IResult Invalid(FieldErrors errors) => WrenResults.Invalid(errors);

    public ValueTask<OrderDraft> DraftAsync(HttpContext http, TRequest r, IdempotencyClaim? claim, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var (source, amount) = what(r);
        var dryRun = r.DryRun ?? false;
        var command = new OrderCommand
        {
            Caller = caller,
            Dialect = Dialect.Wren,
            Source = source,
            Amount = amount,
            Payment = r.PaymentMethod == "credits" ? PaymentChoice.Credits : PaymentChoice.Card,
            DryRun = dryRun,
            Note = r.Note,
            OnBehalfOfName = Blank(r.OnBehalfOfName),
            OnBehalfOfEmail = Blank(r.OnBehalfOfEmail),
            SendReceiptEmail = (r.SendReceiptEmail ?? false) && !dryRun,
            Idempotency = claim,
        };
        return ValueTask.FromResult(OrderDraft.Of(command, new Reply(this, r, source, caller)));
    }

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private sealed class Reply(WrenOrderVoice<TRequest> voice, TRequest r, OrderSource source, Caller caller) : OrderReply
    {
        public override StoredAnswer Render(PlacedOrder placed) =>
            new(StatusCodes.Status200OK, "application/json; charset=utf-8", JsonSerializer.SerializeToUtf8Bytes(Response(placed), Json.SnakeCase));

        public override IResult Placed(PlacedOrder placed) => TypedResults.Json(Response(placed), Json.SnakeCase);

        public override IResult Refused(OrderError error) => WrenOrderEndpoints.Refusal(error, source);

        private WrenOrderResponse Response(PlacedOrder placed)
        {
            var dryRun = r.DryRun ?? false;
            return voice.shapeOf(r, placed) with
            {
                Id = dryRun ? null : caller.IsTest ? voice.prefix + Tokens.RandomString(16) : placed.Order!.PaymentReference,
                DryRun = dryRun,
                PaymentMethod = r.PaymentMethod == "credits" ? "credits" : null,
                CreditsRemaining = r.PaymentMethod == "credits" ? placed.CreditsRemaining : null,
                Test = caller.IsTest,
            };
        }
    }
}
