using System.Globalization;
using Canopy.Accounts;
using Canopy.Data;
using Canopy.Ordering;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Operator;

public sealed record AdminOrderResponse(string Id, long InternalId, string OrderNumber, long AccountId, long? SubaccountId, TokenMode Mode,
    Dialect Dialect, OrderKind Kind, OrderState State, long Grams, int Trees, long PriceUsdCents, long AmountCharged, string ChargeCurrency,
    PaymentMethod PaymentMethod, string? PaymentReference, string? CallbackUrl, string CertificateId, DateTime CreatedAt, DateTime? FulfilledAt,
    DateTime? CancelledAt);

public sealed record AdminRetirementResponse(long Id, long BatchId, int Vintage, long Grams, string SerialNumberRange, string? RegistryUrl,
    DateTime RetiredAt, DateTime? ReleasedAt);

public sealed record AdminAllocationResponse(long Id, string ProjectId, long Grams, int Trees, long PriceUsdCents, bool Certified, bool Cancelled,
    long GramsRetired, IReadOnlyList<AdminRetirementResponse> Retirements);

public sealed record AdminLedgerEntryResponse(string LedgerAccount, long Amount);

public sealed record AdminLedgerTransactionResponse(long Id, string Key, string Kind, string Currency, string? Note, DateTime CreatedAt,
    IReadOnlyList<AdminLedgerEntryResponse> Entries);

public sealed record AdminOrderDetailResponse(AdminOrderResponse Order, IReadOnlyList<AdminAllocationResponse> Allocations,
    IReadOnlyList<AdminLedgerTransactionResponse> LedgerTransactions, IReadOnlyList<OutboxMessageResponse> OutboxMessages);

/// <summary>The operator's view of orders: every account, every mode, with what happened to them; and cancel.</summary>
internal static class OrderAdminEndpoints
{
    public static RouteGroupBuilder MapOrderAdmin(this RouteGroupBuilder admin)
    {
        var orders = admin.MapGroup("/orders").WithTags("Operator: orders");
        orders.MapGet("", ListAsync).WithName("AdminListOrders")
            .WithSummary("List orders, newest first (?account_id=, state=, dialect=, mode=, created_from=, created_to=, limit, starting_after)")
            .WithPaging().WithIntegerQuery("account_id").Produces<PageResponse<AdminOrderResponse>>();
        orders.MapGet("/{id}", GetAsync).WithName("AdminGetOrder")
            .WithSummary("An order with its allocations, retirements, ledger transactions and outbox messages with their delivery attempts")
            .Produces<AdminOrderDetailResponse>();
        orders.MapPost("/{id}/cancel", CancelAsync).WithName("AdminCancelOrder")
            .WithSummary("Cancel an order of any account: grams back to inventory, money back the way it came; 403 when already cancelled")
            .Produces<AdminOrderDetailResponse>().ProducesProblem(StatusCodes.Status403Forbidden);
        return admin;
    }

    private static async Task<Results<Ok<PageResponse<AdminOrderResponse>>, ValidationProblem>> ListAsync(
        string? account_id, string? state, string? dialect, string? mode, string? created_from, string? created_to,
        HttpRequest request, CanopyDbContext db, CancellationToken ct)
    {
        var page = AdminPage.Parse(request.Query);
        if (page.Error is not null) return OperatorResults.Invalid(page.ErrorField, page.Error);
        var query = db.Orders.AsNoTracking();
        if (!AdminQuery.TryInteger<long>(account_id, out var accountId)) return OperatorResults.Invalid("account_id", AdminQuery.IntegerMessage("account_id"));
        if (accountId is { } a) query = query.Where(o => o.AccountId == a);
        if (state is not null)
        {
            if (!TryEnum<OrderState>(state, out var s)) return OperatorResults.Invalid("state", "'state' is placed, fulfilled or cancelled.");
            query = query.Where(o => o.State == s);
        }
        if (dialect is not null)
        {
            if (!TryEnum<Dialect>(dialect, out var d)) return OperatorResults.Invalid("dialect", "'dialect' is wren or cnaught.");
            query = query.Where(o => o.Dialect == d);
        }
        if (mode is not null)
        {
            if (!TryEnum<TokenMode>(mode, out var m)) return OperatorResults.Invalid("mode", "'mode' is live or test.");
            query = query.Where(o => o.Mode == m);
        }
        if (created_from is not null)
        {
            if (!TryDate(created_from, out var from)) return OperatorResults.Invalid("created_from", "'created_from' is an ISO 8601 date or time (UTC).");
            query = query.Where(o => o.CreatedAt >= from);
        }
        if (created_to is not null)
        {
            if (!TryDate(created_to, out var to)) return OperatorResults.Invalid("created_to", "'created_to' is an ISO 8601 date or time (UTC), exclusive.");
            query = query.Where(o => o.CreatedAt < to);
        }
        var rows = await page.NewestFirstAsync(query, o => o.Id, ct);
        return TypedResults.Ok(page.Page([.. rows.Select(ToResponse)], o => o.InternalId));
    }

    private static async Task<Results<Ok<AdminOrderDetailResponse>, ProblemHttpResult>> GetAsync(string id, CanopyDbContext db, CancellationToken ct)
    {
        var detail = await DetailAsync(db, id, ct);
        return detail is null ? OperatorResults.NotFound("order") : TypedResults.Ok(detail);
    }

    private static async Task<Results<Ok<AdminOrderDetailResponse>, ProblemHttpResult>> CancelAsync(
        string id, OrderCancellation cancellation, CanopyDbContext db, CancellationToken ct)
    {
        var outcome = await cancellation.CancelAsync(new CancelOrderCommand { PublicId = id }, ct);
        return outcome.Error switch
        {
            CancelError.NotFound => OperatorResults.NotFound("order"),
            CancelError.AlreadyCancelled => TypedResults.Problem(statusCode: 403, title: "Order already cancelled", detail: $"Order {id} was already cancelled."),
            _ => TypedResults.Ok((await DetailAsync(db, id, ct))!),
        };
    }

    internal static async Task<AdminOrderDetailResponse?> DetailAsync(CanopyDbContext db, string publicId, CancellationToken ct)
    {
        var order = await db.Orders.AsNoTracking().Include(o => o.Allocations).ThenInclude(a => a.Retirements).AsSplitQuery()
            .FirstOrDefaultAsync(o => o.PublicId == publicId, ct);
        if (order is null) return null;
        var projectIds = order.Allocations.Select(a => a.ProjectId).Distinct().ToList();
        var projects = await db.Projects.AsNoTracking().Where(p => projectIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.PublicId, ct);
        var allocations = order.Allocations.OrderBy(a => a.Id).Select(a => new AdminAllocationResponse(
            a.Id, projects.GetValueOrDefault(a.ProjectId) ?? a.ProjectId.ToString(CultureInfo.InvariantCulture), a.Grams, a.Trees, a.PriceUsdCents,
            a.Certified, a.Cancelled, a.Retirements.Where(r => r.ReleasedAt == null).Sum(r => r.Grams),
            [.. a.Retirements.OrderBy(r => r.Id).Select(r => new AdminRetirementResponse(r.Id, r.BatchId, r.Vintage, r.Grams, r.SerialNumberRange,
                r.RegistryUrl, r.RetiredAt, r.ReleasedAt))])).ToList();

        // Every money movement of an order is keyed "order:<public id>:<purpose>".
        var prefix = $"order:{order.PublicId}:";
        var transactions = await db.LedgerTransactions.AsNoTracking().Include(t => t.Entries)
            .Where(t => t.AccountId == order.AccountId && t.Key.StartsWith(prefix)).OrderBy(t => t.Id).ToListAsync(ct);
        var accountIds = transactions.SelectMany(t => t.Entries).Select(e => e.LedgerAccountId).Distinct().ToList();
        var codes = await db.LedgerAccounts.AsNoTracking().Where(l => accountIds.Contains(l.Id)).ToDictionaryAsync(l => l.Id, l => l.Code, ct);
        var ledger = transactions.Select(t => new AdminLedgerTransactionResponse(t.Id, t.Key, t.Kind, t.Currency, t.Note, t.CreatedAt,
            [.. t.Entries.OrderBy(e => e.Id).Select(e => new AdminLedgerEntryResponse(codes[e.LedgerAccountId], e.Amount))])).ToList();

        var messages = await db.OutboxMessages.AsNoTracking().Where(m => m.AccountId == order.AccountId && m.Subject == order.PublicId)
            .OrderBy(m => m.Id).ToListAsync(ct);
        var outbox = await OutboxAdminEndpoints.WithAttemptsAsync(db, messages, ct);
        return new AdminOrderDetailResponse(ToResponse(order), allocations, ledger, outbox);
    }

    internal static AdminOrderResponse ToResponse(Order o) => new(
        o.PublicId, o.Id, o.OrderNumber, o.AccountId, o.SubaccountId, o.Mode, o.Dialect, o.Kind, o.State, o.Grams, o.Trees, o.PriceUsdCents,
        o.AmountCharged, o.ChargeCurrency, o.PaymentMethod, o.PaymentReference, o.CallbackUrl, o.CertificateId, o.CreatedAt, o.FulfilledAt, o.CancelledAt);

    private static bool TryEnum<T>(string text, out T value) where T : struct, Enum =>
        Enum.TryParse(text, ignoreCase: true, out value) && Enum.IsDefined(value) && !text.Any(char.IsDigit);

    private static bool TryDate(string text, out DateTime utc)
    {
        var ok = DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d);
        utc = ok ? d.UtcDateTime : default;
        return ok;
    }
}
