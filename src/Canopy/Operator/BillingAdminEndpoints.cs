using Canopy.Billing;
using Canopy.Data;
using Canopy.Kernel;
using Canopy.Platform;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Operator;

public sealed record InvoiceLineResponse(long Id, string Kind, string OrderId, string? Description, long AmountUsdCents, long LedgerTransactionId, DateTime OccurredAt);

public sealed record InvoiceResponse(long Id, long AccountId, string Period, string Currency, long TotalUsdCents, StatementStatus Status,
    DateTime IssuedAt, DateTime? PaidAt, IReadOnlyList<InvoiceLineResponse>? Lines);

public sealed record PayoutLineResponse(long Id, string Kind, string OrderId, long AmountUsdCents, long Grams, long LedgerTransactionId, DateTime OccurredAt);

public sealed record PayoutResponse(long Id, string ProjectId, string Period, string Currency, long TotalUsdCents, long Grams, StatementStatus Status,
    DateTime IssuedAt, DateTime? PaidAt, IReadOnlyList<PayoutLineResponse>? Lines);

public sealed record BillingRunRequest(string? Period);

public sealed record BillingRunResponse(string Period, DateTime RanAt, int Invoices, int Payouts);

/// <summary>Month-end invoices and partner payouts: list, see lines, mark paid; run a finished month now.</summary>
internal static class BillingAdminEndpoints
{
    public static RouteGroupBuilder MapBillingAdmin(this RouteGroupBuilder admin)
    {
        var invoices = admin.MapGroup("/invoices").WithTags("Operator: billing");
        invoices.MapGet("", ListInvoicesAsync).WithName("AdminListInvoices")
            .WithSummary("Invoices, newest first (?account_id=, period=yyyy-MM, status=issued|paid, limit, starting_after)")
            .WithPaging().WithIntegerQuery("account_id").Produces<PageResponse<InvoiceResponse>>();
        invoices.MapGet("/{id:long}", GetInvoiceAsync).WithName("AdminGetInvoice").WithSummary("An invoice with its lines").Produces<InvoiceResponse>();
        invoices.MapPost("/{id:long}/pay", PayInvoiceAsync).WithName("AdminPayInvoice")
            .WithSummary("Mark an invoice paid (a ledger transaction into the bank account); 409 when already paid").Produces<InvoiceResponse>();

        var payouts = admin.MapGroup("/payouts").WithTags("Operator: billing");
        payouts.MapGet("", ListPayoutsAsync).WithName("AdminListPayouts")
            .WithSummary("Partner payout statements, newest first (?project_id=, period=yyyy-MM, status=issued|paid, limit, starting_after)")
            .WithPaging().Produces<PageResponse<PayoutResponse>>();
        payouts.MapGet("/{id:long}", GetPayoutAsync).WithName("AdminGetPayout").WithSummary("A payout statement with its lines").Produces<PayoutResponse>();
        payouts.MapPost("/{id:long}/pay", PayPayoutAsync).WithName("AdminPayPayout")
            .WithSummary("Mark a payout sent (a ledger transaction out of the bank account); 409 when already paid").Produces<PayoutResponse>();

        var runs = admin.MapGroup("/billing/runs").WithTags("Operator: billing");
        runs.MapGet("", ListRunsAsync).WithName("AdminListBillingRuns").WithSummary("Months billed so far, newest first (limit, starting_after: a yyyy-MM)")
            .WithPaging().Produces<PageResponse<BillingRunResponse>>();
        runs.MapPost("", RunAsync).WithName("AdminRunBilling")
            .WithSummary("Bill a finished month now (the monthly job does this by itself); 409 when it was already billed")
            .WithJsonBody<BillingRunRequest>().Produces<BillingRunResponse>(201);
        return admin;
    }

    private static async Task<Results<Ok<PageResponse<InvoiceResponse>>, ValidationProblem>> ListInvoicesAsync(
        string? account_id, string? period, string? status, HttpRequest request, CanopyDbContext db, TimeProvider time, CancellationToken ct)
    {
        var page = AdminPage.Parse(request.Query);
        if (page.Error is not null) return OperatorResults.Invalid(page.ErrorField, page.Error);
        var query = db.Invoices.AsNoTracking();
        if (!AdminQuery.TryInteger<long>(account_id, out var accountId)) return OperatorResults.Invalid("account_id", AdminQuery.IntegerMessage("account_id"));
        if (accountId is { } a) query = query.Where(i => i.AccountId == a);
        if (period is not null && !BillingService.IsPlausiblePeriod(period, time.GetUtcNow().UtcDateTime)) return OperatorResults.Invalid("period", PeriodMessage);
        if (period is not null) query = query.Where(i => i.Period == period);
        if (status is not null)
        {
            if (!TryStatus(status, out var s)) return OperatorResults.Invalid("status", "'status' is issued or paid.");
            query = query.Where(i => i.Status == s);
        }
        var rows = await page.NewestFirstAsync(query, i => i.Id, ct);
        return TypedResults.Ok(page.Page([.. rows.Select(i => ToResponse(i, false))], i => i.Id));
    }

    private static async Task<Results<Ok<InvoiceResponse>, ProblemHttpResult>> GetInvoiceAsync(long id, CanopyDbContext db, CancellationToken ct)
    {
        var invoice = await db.Invoices.AsNoTracking().Include(i => i.Lines).FirstOrDefaultAsync(i => i.Id == id, ct);
        return invoice is null ? OperatorResults.NotFound("invoice") : TypedResults.Ok(ToResponse(invoice, true));
    }

    private static async Task<Results<Ok<InvoiceResponse>, ProblemHttpResult>> PayInvoiceAsync(long id, BillingService billing, CanopyDbContext db, CancellationToken ct)
    {
        switch (await billing.PayInvoiceAsync(id, ct))
        {
            case PayResult.NotFound: return OperatorResults.NotFound("invoice");
            case PayResult.AlreadyPaid: return OperatorResults.Conflict($"Invoice {id} is already paid.");
        }
        return TypedResults.Ok(ToResponse(await db.Invoices.AsNoTracking().Include(i => i.Lines).FirstAsync(i => i.Id == id, ct), true));
    }

    private static async Task<Results<Ok<PageResponse<PayoutResponse>>, ValidationProblem>> ListPayoutsAsync(
        string? project_id, string? period, string? status, HttpRequest request, CanopyDbContext db, TimeProvider time, CancellationToken ct)
    {
        var page = AdminPage.Parse(request.Query);
        if (page.Error is not null) return OperatorResults.Invalid(page.ErrorField, page.Error);
        var query = from p in db.Payouts.AsNoTracking() join pr in db.Projects on p.ProjectId equals pr.Id select new { p, pr.PublicId };
        if (project_id is not null) query = query.Where(x => x.PublicId == project_id);
        if (period is not null && !BillingService.IsPlausiblePeriod(period, time.GetUtcNow().UtcDateTime)) return OperatorResults.Invalid("period", PeriodMessage);
        if (period is not null) query = query.Where(x => x.p.Period == period);
        if (status is not null)
        {
            if (!TryStatus(status, out var s)) return OperatorResults.Invalid("status", "'status' is issued or paid.");
            query = query.Where(x => x.p.Status == s);
        }
        var rows = await page.NewestFirstAsync(query, x => x.p.Id, ct);
        return TypedResults.Ok(page.Page([.. rows.Select(x => ToResponse(x.p, x.PublicId, false))], p => p.Id));
    }

    private static async Task<Results<Ok<PayoutResponse>, ProblemHttpResult>> GetPayoutAsync(long id, CanopyDbContext db, CancellationToken ct)
    {
        var response = await PayoutAsync(db, id, ct);
        return response is null ? OperatorResults.NotFound("payout") : TypedResults.Ok(response);
    }

    private static async Task<Results<Ok<PayoutResponse>, ProblemHttpResult>> PayPayoutAsync(long id, BillingService billing, CanopyDbContext db, CancellationToken ct)
    {
        switch (await billing.PayPayoutAsync(id, ct))
        {
            case PayResult.NotFound: return OperatorResults.NotFound("payout");
            case PayResult.AlreadyPaid: return OperatorResults.Conflict($"Payout {id} is already paid.");
        }
        return TypedResults.Ok((await PayoutAsync(db, id, ct))!);
    }

    private const string PeriodMessage = "'period' is a month: yyyy-MM, from " + BillingService.FirstPeriod + " to next month.";

    /// <summary>Keyed by the month (yyyy-MM sorts as text in every database).</summary>
    private static async Task<Results<Ok<PageResponse<BillingRunResponse>>, ValidationProblem>> ListRunsAsync(
        HttpRequest request, CanopyDbContext db, TimeProvider time, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var page = AdminPage.ParseKey(request.Query, p => BillingService.IsPlausiblePeriod(p, now));
        if (page.Error is not null) return OperatorResults.Invalid(page.ErrorField, page.Error);
        var runs = await page.ByKeyAsync(db.BillingRuns.AsNoTracking(), r => r.Period, descending: true, ct);
        return TypedResults.Ok(page.Page([.. runs.Select(r => new BillingRunResponse(r.Period, r.RanAt, r.Invoices, r.Payouts))], r => r.Period));
    }

    private static async Task<Results<Created<BillingRunResponse>, ValidationProblem, ProblemHttpResult>> RunAsync(
        HttpRequest request, BillingService billing, CanopyDbContext db, TimeProvider time, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync<BillingRunRequest>(request, Json.SnakeCase, null, allowForm: false, ct);
        if (body.Value is not { } r) return OperatorResults.Invalid(body.Errors!);
        if (!BillingService.IsPlausiblePeriod(r.Period, time.GetUtcNow().UtcDateTime) || !BillingService.TryParsePeriod(r.Period, out var month))
            return OperatorResults.Invalid("period", PeriodMessage);
        switch (await billing.RunAsync(month, ct))
        {
            case BillingRunResult.MonthNotOver: return OperatorResults.Invalid("period", $"{r.Period} is not over yet.");
            case BillingRunResult.AlreadyRan: return OperatorResults.Conflict($"{r.Period} was already billed.");
        }
        var run = await db.BillingRuns.AsNoTracking().FirstAsync(x => x.Period == r.Period, ct);
        return TypedResults.Created($"/admin/billing/runs/{run.Period}", new BillingRunResponse(run.Period, run.RanAt, run.Invoices, run.Payouts));
    }

    private static async Task<PayoutResponse?> PayoutAsync(CanopyDbContext db, long id, CancellationToken ct)
    {
        var row = await (from p in db.Payouts.AsNoTracking().Include(p => p.Lines)
                         join pr in db.Projects on p.ProjectId equals pr.Id
                         where p.Id == id
                         select new { p, pr.PublicId }).FirstOrDefaultAsync(ct);
        return row is null ? null : ToResponse(row.p, row.PublicId, true);
    }

    private static bool TryStatus(string text, out StatementStatus status) =>
        Enum.TryParse(text, ignoreCase: true, out status) && Enum.IsDefined(status) && !text.Any(char.IsDigit);

    private static InvoiceResponse ToResponse(Invoice i, bool lines) => new(i.Id, i.AccountId, i.Period, i.Currency, i.TotalUsdCents, i.Status,
        i.IssuedAt, i.PaidAt, lines ? [.. i.Lines.OrderBy(l => l.Id).Select(l => new InvoiceLineResponse(l.Id, l.Kind, l.OrderId, l.Description,
            l.AmountUsdCents, l.LedgerTransactionId, l.OccurredAt))] : null);

    private static PayoutResponse ToResponse(Payout p, string projectId, bool lines) => new(p.Id, projectId, p.Period, p.Currency, p.TotalUsdCents,
        p.Grams, p.Status, p.IssuedAt, p.PaidAt, lines ? [.. p.Lines.OrderBy(l => l.Id).Select(l => new PayoutLineResponse(l.Id, l.Kind, l.OrderId,
            l.AmountUsdCents, l.Grams, l.LedgerTransactionId, l.OccurredAt))] : null);
}
