using Canopy.Accounts;
using Canopy.Catalog;
using Canopy.Data;
using Canopy.Idempotency;
using Canopy.Ordering;
using Canopy.Kernel;
using Canopy.Platform;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using System.Text.Json;

namespace Canopy.Cnaught;

/// <summary>CNaught's orders: place (by mass, by price, for a ride), get, list with cursors, cancel.</summary>
internal static class CnaughtOrderEndpoints
{
    internal static readonly CnaughtIdempotencyErrors IdempotencyErrors = new();

    public static RouteGroupBuilder MapCnaughtOrders(this RouteGroupBuilder v1)
    {
        var orders = v1.MapGroup("/orders");
        // Placing an order takes its Idempotency-Key inside the order's own transaction (see OrderService); cancel keeps the filter.
        var writes = orders.MapGroup("")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        writes.MapPost("", PlaceGenericAsync).WithName("CnaughtSubmitOrder")
            .WithSummary("Order offsets by amount_kg, or by total_price_usd_cents")
            .WithJsonBody<CnaughtOrderRequest>().Produces<CnaughtOrder>(201);
        writes.MapPost("/ride", PlaceRideAsync).WithName("CnaughtSubmitRideOrder")
            .WithSummary("Order offsets for a vehicle ride of distance_km")
            .WithJsonBody<CnaughtRideOrderRequest>().Produces<CnaughtOrder>(201);
        writes.MapPost("/{id}/cancel", CancelAsync).WithName("CnaughtCancelOrder")
            .AddEndpointFilter<IdempotencyFilter<CnaughtIdempotencyErrors>>()
            .WithSummary("Cancel an order; the money goes back the way it came").Produces<CnaughtOrder>();
        orders.MapGet("/{id}", GetAsync).WithName("CnaughtGetOrder").WithSummary("Get an order").Produces<CnaughtOrder>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        orders.MapGet("", ListAsync).WithName("CnaughtListOrders")
            .WithSummary("List orders, newest first (limit 1–100, starting_after / ending_before cursors)").Produces<CnaughtList<CnaughtOrder>>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable); // too many pages waiting their turn (ListLimiter)
        return v1;
    }

    private static readonly CnaughtOrderVoice<CnaughtOrderRequest> GenericOrders = new(Validators<CnaughtOrderValidator>.Instance, r => r.AmountKg is { } kg
        ? (new OrderAmount.Kilograms(kg), "amount_kg")
        : (new OrderAmount.UsdCents(r.TotalPriceUsdCents!.Value), "total_price_usd_cents"));

    private static readonly CnaughtOrderVoice<CnaughtRideOrderRequest> RideOrders = new(Validators<CnaughtRideOrderValidator>.Instance,
        r => (new OrderAmount.ForActivity(Activity.Ride, r.DistanceKm!.Value), "distance_km"));

    private static Task<IResult> PlaceGenericAsync(HttpContext http, OrderPipeline pipeline) => pipeline.PlaceAsync(http, GenericOrders);

    private static Task<IResult> PlaceRideAsync(HttpContext http, OrderPipeline pipeline) => pipeline.PlaceAsync(http, RideOrders);

    /// <summary>The core's refusals as CNaught problems (CNaught's one status mapping for orders and quotes); <paramref name="quantityField"/> is the field that carried the amount.</summary>
    internal static IResult ToProblem(OrderError e, string quantityField, string? portfolioId) => e.Code switch
    {
        OrderErrorCode.BillingNotSetUp or OrderErrorCode.NoCardOnFile => CnaughtProblems.Forbidden("Billing not set up", e.Message),
        OrderErrorCode.InsufficientCredits => CnaughtProblems.Forbidden("Insufficient credits", e.Message),
        OrderErrorCode.CardDeclined => CnaughtProblems.Forbidden("Payment declined", e.Message),
        OrderErrorCode.CardAuthenticationRequired => CnaughtProblems.Forbidden("Payment requires authentication", e.Message),
        OrderErrorCode.PaymentUnavailable => CnaughtProblems.Unavailable(e.Message),
        OrderErrorCode.PortfolioNotAvailable => CnaughtProblems.Forbidden("Requested portfolio not available", $"Portfolio '{portfolioId}' is not available to this account."),
        OrderErrorCode.NoDefaultPortfolio => CnaughtProblems.Forbidden("Requested portfolio not available", "No default portfolio is configured."),
        _ => CnaughtProblems.InvalidParameters(quantityField, e.Message),
    };

    private static async Task<IResult> GetAsync(string id, HttpContext http, CanopyDbContext db, CatalogCache catalog, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var selection = await SubaccountResolver.ResolveAsync(http, ct);
        if (selection.Error is not null) return selection.Error;
        var order = await Visible(db, caller).Include(o => o.Allocations).ThenInclude(a => a.Retirements).AsSplitQuery()
            .FirstOrDefaultAsync(o => o.PublicId == id && (selection.Subaccount == null || o.SubaccountId == selection.Subaccount.Id), ct);
        if (order is null) return CnaughtProblems.NotFound("Could not find order");
        var sub = await SubaccountPublicIdAsync(db, order.SubaccountId, ct);
        return TypedResults.Json(CnaughtShapes.ToCnaught(order, sub, await catalog.GetAsync(ct), PublicUrls.Base(http.Request)), Json.SnakeCase);
    }

    private static async Task<IResult> CancelAsync(string id, HttpContext http, CanopyDbContext db, CatalogCache catalog, OrderCancellation cancellation, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var selection = await SubaccountResolver.ResolveAsync(http, ct);
        if (selection.Error is not null) return selection.Error;
        var outcome = await cancellation.CancelAsync(new CancelOrderCommand
        {
            PublicId = id, AccountId = caller.AccountId, Mode = caller.Mode, SubaccountId = selection.Subaccount?.Id, Kinds = CnaughtKinds,
        }, ct);
        return outcome switch
        {
            { Error: CancelError.NotFound } => CnaughtProblems.NotFound("Could not find order"),
            { Error: CancelError.AlreadyCancelled } => CnaughtProblems.Forbidden("Order already cancelled", $"Order {id} was already cancelled."),
            { Order: { } order } => TypedResults.Json(CnaughtShapes.ToCnaught(order, await SubaccountPublicIdAsync(db, order.SubaccountId, ct), await catalog.GetAsync(ct), PublicUrls.Base(http.Request)), Json.SnakeCase),
            _ => throw new InvalidOperationException("A cancel outcome has an order or an error."),
        };
    }

    /// <summary>The kinds of order CNaught shows (see <see cref="Visible"/>).</summary>
    private static readonly OrderKind[] CnaughtKinds = [OrderKind.Offset, OrderKind.Ride];

    /// <summary>
    /// Keyset pages over (account, mode[, subaccount], id): the same cost at order 10 as at order 1 000 000. One query reads
    /// the columns the page shows of its orders, their allocations and retirements (the cursor resolved inside it); projects
    /// come from the catalogue cache and subaccount ids from the caller's cached context, and the JSON is written straight
    /// from those rows (<see cref="CnaughtOrderPage"/>). Only an empty page with a cursor costs a second query, to tell an
    /// unknown cursor from the end of the list.
    /// </summary>
    private static async Task<IResult> ListAsync(HttpContext http, [FromKeyedServices(Reads.MayLag)] CanopyDbContext reads, CanopyDbContext db,
        CatalogCache catalog, AccountContextCache contexts, ListLimiter lists, CancellationToken ct)
    {
        var caller = http.GetCaller();
        var selection = await SubaccountResolver.ResolveAsync(http, ct);
        if (selection.Error is not null) return selection.Error;
        var page = CursorPage.Parse(http.Request.Query);
        if (page.Error is not null) return CnaughtProblems.InvalidPagination(page.Error);

        // The page is read and written into the response's buffer in its turn; the page gives the turn back before
        // the buffer goes to the client (a slow reader holds no turn).
        var turn = await lists.WaitTurnAsync(ct);
        http.Response.RegisterForDispose(turn); // given back when the request ends, if not before
        if (!turn.IsAcquired) return ListLimiter.Busy(http);

        // Read from a standby when there is one (a list may trail the last commit by the replication delay).
        var subaccountId = selection.Subaccount?.Id;
        var orders = await CnaughtOrderPageQuery.ReadAsync(reads, caller, subaccountId, page, ct);
        if (orders.Count == 0 && page.Cursor is { } cursor)
        {
            // An unknown cursor is 400; one the standby has not replayed yet (an order just placed) is paged on the primary.
            if (!await Visible(db, caller).AnyAsync(o => o.PublicId == cursor && (subaccountId == null || o.SubaccountId == subaccountId), ct))
                return CnaughtProblems.InvalidPagination($"No order '{Short(cursor)}' to page from.");
            if (!ReferenceEquals(reads, db)) orders = await CnaughtOrderPageQuery.ReadAsync(db, caller, subaccountId, page, ct);
        }

        var subaccounts = orders.Any(o => o.SubaccountId is not null)
            ? (await contexts.GetAsync(caller.AccountId, ct)).Subaccounts.Values.ToDictionary(x => x.Id, x => x.PublicId)
            : EmptySubaccounts;
        return new CnaughtOrderPage(turn, orders, subaccounts, await catalog.GetAsync(ct), PublicUrls.Base(http.Request));
    }

    private static readonly IReadOnlyDictionary<long, string> EmptySubaccounts = new Dictionary<long, string>();

    /// <summary>
    /// The caller's orders that CNaught can show: its own mode (sandbox keys see sandbox orders), and orders of CO₂e
    /// (offset or ride). Tree orders and donations placed through the Wren dialect have no CNaught form.
    /// </summary>
    private static IQueryable<Order> Visible(CanopyDbContext db, Caller caller) =>
        db.Orders.AsNoTracking().Where(o => o.AccountId == caller.AccountId && o.Mode == caller.Mode
            && (o.Kind == OrderKind.Offset || o.Kind == OrderKind.Ride));

    internal static async Task<string?> SubaccountPublicIdAsync(CanopyDbContext db, long? id, CancellationToken ct) =>
        id is { } sid ? await db.Subaccounts.Where(s => s.Id == sid).Select(s => s.PublicId).FirstOrDefaultAsync(ct) : null;

    private static string Short(string s) => s.Length <= 32 ? s : s[..32] + "…";
}

/// <summary>
/// CNaught's voice in the one order pipeline, one per request shape (<paramref name="what"/>: the amount and the field
/// that carried it): the subaccount header and the callback URL are checked here, then the order is CNaught's JSON.
/// </summary>
internal sealed class CnaughtOrderVoice<TRequest>(FluentValidation.AbstractValidator<TRequest> validator, Func<TRequest, (OrderAmount Amount, string Field)> what)
    : IOrderDialect<TRequest> where TRequest : class, ICnaughtOrderFields
{
    public IIdempotencyErrors KeyErrors => CnaughtOrderEndpoints.IdempotencyErrors;
    public JsonSerializerOptions RequestJson => Json.SnakeCase;
    public bool AcceptsForm => false;
    public FluentValidation.IValidator<TRequest> Validator => validator;

    public IResult Invalid(FieldErrors errors) => CnaughtProblems.InvalidParameters(errors);

    public async ValueTask<OrderDraft> DraftAsync(HttpContext http, TRequest r, IdempotencyClaim? claim, CancellationToken ct)
    {
        var selection = await SubaccountResolver.ResolveAsync(http, ct);
        if (selection.Error is not null) return OrderDraft.Refuse(selection.Error);
        var callbackUrl = r.NotificationConfig?.Url;
        if (callbackUrl is not null && !CallbackUrls.IsAllowed(callbackUrl, http.RequestServices.GetRequiredService<IConfiguration>()))
            return OrderDraft.Refuse(CnaughtProblems.InvalidParameters("notification_config.url", "Callbacks to private or loopback addresses are not allowed."));

        var (amount, field) = what(r);
        var command = new OrderCommand
        {
            Caller = http.GetCaller(),
            Dialect = Dialect.Cnaught,
            Source = r.PortfolioId is { } pid ? new OrderSource.Portfolio(null, pid) : new OrderSource.DefaultPortfolio(),
            Amount = amount,
            Payment = PaymentChoice.AccountBilling,
            Subaccount = selection.Subaccount,
            Metadata = r.Metadata,
            Description = r.Description,
            CallbackUrl = callbackUrl,
            Idempotency = claim,
        };
        var snapshot = await http.RequestServices.GetRequiredService<CatalogCache>().GetAsync(ct);
        return OrderDraft.Of(command, new Reply(selection.Subaccount?.PublicId, snapshot, PublicUrls.Base(http.Request), field, r.PortfolioId));
    }

    private sealed class Reply(string? subaccount, CatalogSnapshot snapshot, string baseUrl, string field, string? portfolioId) : OrderReply
    {
        public override StoredAnswer Render(PlacedOrder placed) =>
            new(StatusCodes.Status201Created, "application/json; charset=utf-8",
                CnaughtOrderJson.Serialize(CnaughtOrderRow.Of(placed.Order!), subaccount, snapshot, baseUrl));

        public override IResult Refused(OrderError error) => CnaughtOrderEndpoints.ToProblem(error, field, portfolioId);
    }
}

/// <summary>CNaught's cursor parameters: limit 1–100 (default 20), and at most one of starting_after / ending_before.</summary>
internal readonly record struct CursorPage(int Limit, string? Cursor, bool Before, string? Error)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    public static CursorPage Parse(IQueryCollection query)
    {
        var limit = DefaultLimit;
        if (query.TryGetValue("limit", out var l) && !string.IsNullOrEmpty(l.ToString()))
        {
            if (!int.TryParse(l.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit)
                return new(0, null, false, $"limit must be an integer from 1 to {MaxLimit}.");
        }
        var after = query["starting_after"].ToString();
        var before = query["ending_before"].ToString();
        if (after.Length > 0 && before.Length > 0)
            return new(0, null, false, "Only one of starting_after and ending_before can be specified.");
        if (after.Length > 64 || before.Length > 64) return new(0, null, false, "The cursor is not a valid id.");
        return before.Length > 0 ? new(limit, before, true, null) : new(limit, after.Length > 0 ? after : null, false, null);
    }
}
