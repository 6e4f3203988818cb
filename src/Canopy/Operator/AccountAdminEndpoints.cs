using System.Diagnostics;
using Canopy.Accounts;
using Canopy.Catalog;
using Canopy.Data;
using Canopy.Impact;
using Canopy.Ledger;
using Canopy.Kernel;
using Canopy.Platform;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Operator;

public sealed record CreateAccountRequest(string? Name, string? Email, string? Currency, string? DefaultPortfolioId, BillingMode? Billing,
    bool? PublicFeedOptIn, string? ImpactSlug, bool? HostedImpactPageEnabled, string[]? HostedImpactPageEquivalents) : IExampleRequest<CreateAccountRequest>
{
    public static CreateAccountRequest Example => new("Acme Logistics", "billing@acme.example", Usd.Code, null, BillingMode.Invoice, false, null, null, null);
}

public sealed record UpdateAccountRequest(string? Name, string? Email, string? Currency, string? DefaultPortfolioId, BillingMode? Billing,
    bool? PublicFeedOptIn, string? ImpactSlug, bool? HostedImpactPageEnabled, string[]? HostedImpactPageEquivalents, long? RideGramsPerKm);

public sealed record AccountResponse(long Id, string Name, string? Email, string Currency, string? DefaultPortfolioId, BillingMode Billing,
    bool PublicFeedOptIn, string? ImpactSlug, bool HostedImpactPageEnabled, IReadOnlyList<string> HostedImpactPageEquivalents,
    bool CardOnFile, long CreditsBalanceUsdCents, long? RideGramsPerKm, DateTime CreatedAt);

public sealed record CreateUserRequest(string? Email, string? Name, bool? HasLogin);

public sealed record UserResponse(long Id, long AccountId, string Email, string? Name, bool HasLogin, DateTime CreatedAt);

public sealed record CreateTokenRequest(TokenMode? Mode, TokenKind? Kind, string? Name, long? UserId) : IExampleRequest<CreateTokenRequest>
{
    public static CreateTokenRequest Example => new(TokenMode.Live, TokenKind.Team, "Checkout integration", null);
}

/// <summary>A token as listed: never the secret.</summary>
public sealed record TokenResponse(long Id, long AccountId, TokenMode Mode, TokenKind Kind, string? Name, string Prefix, long? UserId,
    DateTime CreatedAt, DateTime? LastUsedAt, DateTime? RevokedAt);

/// <summary>A token just made: the only time its secret is shown.</summary>
public sealed record CreatedTokenResponse(long Id, string Token, long AccountId, TokenMode Mode, TokenKind Kind, string? Name, string Prefix,
    long? UserId, DateTime CreatedAt);

/// <summary>A top-up. <c>reference</c> (e.g. the bank transfer's id) makes it safe to retry: a reference posts once per account.</summary>
public sealed record CreditsRequest(long? AmountUsdCents, string? Note, string? Reference) : IExampleRequest<CreditsRequest>
{
    public static CreditsRequest Example => new(50_000, "Prepaid top-up", null);
}

public sealed record CreditsResponse(long AccountId, long BalanceUsdCents, long? TransactionId);

internal static class AccountRules
{
    public static readonly string EquivalentsMessage =
        $"'hosted_impact_page_equivalents' is a list of: {string.Join(", ", Equivalents.Each.Select(e => e.Name))}.";
}

internal sealed class CreateAccountValidator : AbstractValidator<CreateAccountRequest>
{
    public CreateAccountValidator()
    {
        RuleFor(x => x.Name).NotEmpty().MaximumLength(200);
        RuleFor(x => x.Email).MaximumLength(320).EmailAddress().When(x => x.Email is not null);
        RuleFor(x => x.Currency).Must(Currencies.IsValidCode).WithMessage("'currency' must be a three-letter ISO 4217 code.").When(x => x.Currency is not null);
        RuleFor(x => x.ImpactSlug).Matches(ImpactSlugs.Pattern).WithMessage("'impact_slug' must be 3–100 lower-case letters, digits and dashes.").When(x => x.ImpactSlug is not null);
        RuleFor(x => x.HostedImpactPageEquivalents).Must(e => e!.Length <= 10 && Equivalents.Parse(e) is not null)
            .WithMessage(AccountRules.EquivalentsMessage).When(x => x.HostedImpactPageEquivalents is not null);
        RuleFor(x => x.Billing).IsInEnum();
    }
}

internal sealed class UpdateAccountValidator : AbstractValidator<UpdateAccountRequest>
{
    public UpdateAccountValidator()
    {
        RuleFor(x => x.Name).NotEmpty().MaximumLength(200).When(x => x.Name is not null);
        RuleFor(x => x.Email).MaximumLength(320).EmailAddress().When(x => x.Email is not null);
        RuleFor(x => x.Currency).Must(Currencies.IsValidCode).WithMessage("'currency' must be a three-letter ISO 4217 code.").When(x => x.Currency is not null);
        RuleFor(x => x.ImpactSlug).Matches(ImpactSlugs.Pattern).WithMessage("'impact_slug' must be 3–100 lower-case letters, digits and dashes.").When(x => x.ImpactSlug is not null);
        RuleFor(x => x.HostedImpactPageEquivalents).Must(e => e!.Length <= 10 && Equivalents.Parse(e) is not null)
            .WithMessage(AccountRules.EquivalentsMessage).When(x => x.HostedImpactPageEquivalents is not null);
        RuleFor(x => x.Billing).IsInEnum();
        RuleFor(x => x.RideGramsPerKm).InclusiveBetween(1, 100_000);
    }
}

internal sealed class CreateUserValidator : AbstractValidator<CreateUserRequest>
{
    public CreateUserValidator()
    {
        RuleFor(x => x.Email).NotEmpty().MaximumLength(320).EmailAddress();
        RuleFor(x => x.Name).MaximumLength(200);
    }
}

internal sealed class CreateTokenValidator : AbstractValidator<CreateTokenRequest>
{
    public CreateTokenValidator()
    {
        RuleFor(x => x.Mode).NotNull().IsInEnum();
        RuleFor(x => x.Kind).IsInEnum();
        RuleFor(x => x.Name).MaximumLength(200);
        RuleFor(x => x.UserId).NotNull().WithMessage("'user_id' is required for a personal token.").When(x => x.Kind == TokenKind.Personal);
        RuleFor(x => x.UserId).Null().WithMessage("'user_id' is only for personal tokens.").When(x => x.Kind != TokenKind.Personal);
    }
}

internal sealed class CreditsValidator : AbstractValidator<CreditsRequest>
{
    public const long Max = AccountService.MaxTopUpUsdCents;

    public CreditsValidator()
    {
        RuleFor(x => x.AmountUsdCents).NotNull().GreaterThan(0).LessThanOrEqualTo(Max);
        RuleFor(x => x.Note).MaximumLength(1000);
        RuleFor(x => x.Reference).NotEmpty().MaximumLength(100).Matches("^[A-Za-z0-9_.:-]+$")
            .WithMessage("'reference' is 1–100 letters, digits and _ . : -").When(x => x.Reference is not null);
    }
}

/// <summary>Accounts, their users and tokens, and credits: the operator's side of customers.</summary>
internal static class AccountAdminEndpoints
{
    public static RouteGroupBuilder MapAccountAdmin(this RouteGroupBuilder admin)
    {
        var accounts = admin.MapGroup("/accounts").WithTags("Operator: accounts");
        accounts.MapPost("", CreateAccountAsync).WithName("AdminCreateAccount").WithSummary("Create an account")
            .WithJsonBody<CreateAccountRequest>();
        accounts.MapGet("", ListAccountsAsync).WithName("AdminListAccounts").WithSummary("List accounts, newest first (limit, starting_after)")
            .WithPaging().Produces<PageResponse<AccountResponse>>();
        accounts.MapGet("/{id:long}", GetAccountAsync).WithName("AdminGetAccount").WithSummary("Get an account");
        accounts.MapPatch("/{id:long}", UpdateAccountAsync).WithName("AdminUpdateAccount").WithSummary("Change an account's settings (fields given are changed)")
            .WithJsonBody<UpdateAccountRequest>();
        accounts.MapPost("/{id:long}/users", CreateUserAsync).WithName("AdminCreateUser").WithSummary("Add a user to an account")
            .WithJsonBody<CreateUserRequest>();
        accounts.MapGet("/{id:long}/users", ListUsersAsync).WithName("AdminListUsers").WithSummary("List an account's users, newest first (limit, starting_after)")
            .WithPaging().Produces<PageResponse<UserResponse>>();
        accounts.MapPost("/{id:long}/tokens", CreateTokenAsync).WithName("AdminCreateToken").WithSummary("Issue an API token (the secret is shown once)")
            .WithJsonBody<CreateTokenRequest>();
        accounts.MapGet("/{id:long}/tokens", ListTokensAsync).WithName("AdminListTokens")
            .WithSummary("List an account's tokens, newest first, never their secrets (limit, starting_after)")
            .WithPaging().Produces<PageResponse<TokenResponse>>();
        accounts.MapDelete("/{id:long}/tokens/{tokenId:long}", RevokeTokenAsync).WithName("AdminRevokeToken").WithSummary("Revoke a token");
        accounts.MapPost("/{id:long}/credits", AddCreditsAsync).WithName("AdminAddCredits").WithSummary("Top up an account's USD credits")
            .WithJsonBody<CreditsRequest>();
        accounts.MapGet("/{id:long}/credits", GetCreditsAsync).WithName("AdminGetCredits").WithSummary("An account's USD credits balance");
        return admin;
    }

    private static async Task<Results<Created<AccountResponse>, ValidationProblem>> CreateAccountAsync(
        HttpRequest request, CanopyDbContext db, AccountService accounts, LedgerService ledger, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, Json.SnakeCase, Validators<CreateAccountValidator>.Instance, allowForm: false, ct);
        if (body.Value is not { } r) return OperatorResults.Invalid(body.Errors!);
        var written = await accounts.CreateAccountAsync(new NewAccount(r.Name!, r.Email, r.Currency, r.DefaultPortfolioId, r.Billing, r.PublicFeedOptIn,
            r.ImpactSlug, r.HostedImpactPageEnabled, r.HostedImpactPageEquivalents is { } eq ? Equivalents.Parse(eq)!.Value : null), ct);
        return written.Failure switch
        {
            null => TypedResults.Created($"/admin/accounts/{written.Value!.Id}", await ToResponseAsync(db, ledger, written.Value, ct)),
            WriteFailure.Invalid i => OperatorResults.Invalid(i.Errors),
            _ => throw new UnreachableException("Creating an account fails only as invalid."),
        };
    }

    private static async Task<Results<Ok<PageResponse<AccountResponse>>, ValidationProblem>> ListAccountsAsync(HttpRequest request, CanopyDbContext db, CancellationToken ct)
    {
        var page = AdminPage.Parse(request.Query);
        if (page.Error is not null) return OperatorResults.Invalid(page.ErrorField, page.Error);
        var rows = await page.NewestFirstAsync(db.Accounts.AsNoTracking(), a => a.Id, ct);
        var paged = page.Page(rows, a => a.Id);
        var accounts = paged.Data;
        // Three queries for the whole page, not two more per account.
        var ids = accounts.Select(a => a.Id).ToList();
        var portfolioIds = accounts.Where(a => a.DefaultPortfolioId != null).Select(a => a.DefaultPortfolioId!.Value).Distinct().ToList();
        var portfolios = await db.Portfolios.AsNoTracking().Where(p => portfolioIds.Contains(p.Id)).ToDictionaryAsync(p => p.Id, p => p.PublicId, ct);
        var balances = await db.LedgerAccounts.AsNoTracking()
            .Where(l => l.Kind == LedgerAccountKind.CustomerCredits && l.Currency == Usd.Code && l.AccountId != null && ids.Contains(l.AccountId.Value))
            .ToDictionaryAsync(l => l.AccountId!.Value, l => l.Balance, ct);
        var list = accounts.Select(a => ToResponse(a, a.DefaultPortfolioId is { } pid ? portfolios.GetValueOrDefault(pid) : null,
            balances.GetValueOrDefault(a.Id))).ToList();
        return TypedResults.Ok(new PageResponse<AccountResponse>(list, paged.HasMore, paged.NextCursor));
    }

    private static async Task<Results<Ok<AccountResponse>, ProblemHttpResult>> GetAccountAsync(long id, CanopyDbContext db, LedgerService ledger, CancellationToken ct)
    {
        var account = await db.Accounts.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, ct);
        return account is null ? OperatorResults.NotFound("account") : TypedResults.Ok(await ToResponseAsync(db, ledger, account, ct));
    }

    private static async Task<Results<Ok<AccountResponse>, ValidationProblem, ProblemHttpResult>> UpdateAccountAsync(
        long id, HttpRequest request, CanopyDbContext db, AccountService accounts, LedgerService ledger, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, Json.SnakeCase, Validators<UpdateAccountValidator>.Instance, allowForm: false, ct);
        if (body.Value is not { } r) return await InvalidOrNotFoundAsync<Ok<AccountResponse>>(db, id, body.Errors!, ct);
        var written = await accounts.UpdateAccountAsync(id, new AccountChanges(r.Name, r.Email, r.Currency, r.DefaultPortfolioId, r.Billing, r.PublicFeedOptIn,
            r.ImpactSlug, r.HostedImpactPageEnabled, r.HostedImpactPageEquivalents is { } eq ? Equivalents.Parse(eq)!.Value : null, r.RideGramsPerKm), ct);
        return written.Failure switch
        {
            null => TypedResults.Ok(await ToResponseAsync(db, ledger, written.Value!, ct)),
            WriteFailure.Invalid i => OperatorResults.Invalid(i.Errors),
            WriteFailure.NotFound n => OperatorResults.NotFound(n.What),
            _ => throw new UnreachableException("Changing an account fails only as invalid or not found."),
        };
    }

    /// <summary>An unknown account is a 404 whatever the body; a known one with a bad body, a 400.</summary>
    private static async Task<Results<T, ValidationProblem, ProblemHttpResult>> InvalidOrNotFoundAsync<T>(
        CanopyDbContext db, long id, FieldErrors errors, CancellationToken ct) where T : IResult =>
        await db.Accounts.AnyAsync(a => a.Id == id, ct) ? OperatorResults.Invalid(errors) : OperatorResults.NotFound("account");

    private static async Task<Results<Created<UserResponse>, ValidationProblem, ProblemHttpResult>> CreateUserAsync(
        long id, HttpRequest request, CanopyDbContext db, AccountService accounts, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, Json.SnakeCase, Validators<CreateUserValidator>.Instance, allowForm: false, ct);
        if (body.Value is not { } r) return await InvalidOrNotFoundAsync<Created<UserResponse>>(db, id, body.Errors!, ct);
        var written = await accounts.CreateUserAsync(id, new NewUser(r.Email!, r.Name, r.HasLogin), ct);
        return OperatorResults.From(written, u => TypedResults.Created($"/admin/accounts/{id}/users/{u.Id}", ToResponse(u)));
    }

    private static async Task<Results<Ok<PageResponse<UserResponse>>, ValidationProblem, ProblemHttpResult>> ListUsersAsync(
        long id, HttpRequest request, CanopyDbContext db, CancellationToken ct)
    {
        var page = AdminPage.Parse(request.Query);
        if (page.Error is not null) return OperatorResults.Invalid(page.ErrorField, page.Error);
        if (!await db.Accounts.AnyAsync(a => a.Id == id, ct)) return OperatorResults.NotFound("account");
        var users = await page.NewestFirstAsync(db.Users.AsNoTracking().Where(u => u.AccountId == id), u => u.Id, ct);
        return TypedResults.Ok(page.Page([.. users.Select(ToResponse)], u => u.Id));
    }

    private static async Task<Results<Created<CreatedTokenResponse>, ValidationProblem, ProblemHttpResult>> CreateTokenAsync(
        long id, HttpRequest request, CanopyDbContext db, AccountService accounts, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, Json.SnakeCase, Validators<CreateTokenValidator>.Instance, allowForm: false, ct);
        if (body.Value is not { } r) return await InvalidOrNotFoundAsync<Created<CreatedTokenResponse>>(db, id, body.Errors!, ct);
        var written = await accounts.IssueTokenAsync(id, new NewToken(r.Mode!.Value, r.Kind, r.Name, r.UserId), ct);
        return OperatorResults.From(written, t => TypedResults.Created($"/admin/accounts/{id}/tokens/{t.Token.Id}",
            new CreatedTokenResponse(t.Token.Id, t.Secret, id, t.Token.Mode, t.Token.Kind, t.Token.Name, t.Token.Prefix, t.Token.UserId, t.Token.CreatedAt)));
    }

    private static async Task<Results<Ok<PageResponse<TokenResponse>>, ValidationProblem, ProblemHttpResult>> ListTokensAsync(
        long id, HttpRequest request, CanopyDbContext db, CancellationToken ct)
    {
        var page = AdminPage.Parse(request.Query);
        if (page.Error is not null) return OperatorResults.Invalid(page.ErrorField, page.Error);
        if (!await db.Accounts.AnyAsync(a => a.Id == id, ct)) return OperatorResults.NotFound("account");
        var tokens = await page.NewestFirstAsync(db.ApiTokens.AsNoTracking().Where(t => t.AccountId == id), t => t.Id, ct);
        return TypedResults.Ok(page.Page([.. tokens.Select(ToResponse)], t => t.Id));
    }

    private static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> RevokeTokenAsync(
        long id, long tokenId, AccountService accounts, CancellationToken ct)
    {
        var revoked = await accounts.RevokeTokenAsync(id, tokenId, ct);
        return revoked.Failure is WriteFailure.NotFound n ? OperatorResults.NotFound(n.What) : TypedResults.Ok(ToResponse(revoked.Value!));
    }

    private static async Task<Results<Ok<CreditsResponse>, ValidationProblem, ProblemHttpResult>> AddCreditsAsync(
        long id, HttpRequest request, CanopyDbContext db, AccountService accounts, CancellationToken ct)
    {
        var body = await RequestBody.ReadAsync(request, Json.SnakeCase, Validators<CreditsValidator>.Instance, allowForm: false, ct);
        if (body.Value is not { } r) return await InvalidOrNotFoundAsync<Ok<CreditsResponse>>(db, id, body.Errors!, ct);
        var written = await accounts.AddCreditsAsync(id, new TopUp(r.AmountUsdCents!.Value, r.Note, r.Reference), ct);
        return OperatorResults.From(written, c => TypedResults.Ok(new CreditsResponse(id, c.BalanceUsdCents, c.TransactionId)));
    }

    private static async Task<Results<Ok<CreditsResponse>, ProblemHttpResult>> GetCreditsAsync(long id, CanopyDbContext db, LedgerService ledger, CancellationToken ct)
    {
        if (!await db.Accounts.AnyAsync(a => a.Id == id, ct)) return OperatorResults.NotFound("account");
        return TypedResults.Ok(new CreditsResponse(id, await ledger.CreditsBalanceAsync(id, ct), null));
    }

    private static async Task<AccountResponse> ToResponseAsync(CanopyDbContext db, LedgerService ledger, Account a, CancellationToken ct)
    {
        var portfolio = a.DefaultPortfolioId is { } pid
            ? await db.Portfolios.Where(p => p.Id == pid).Select(p => p.PublicId).FirstOrDefaultAsync(ct)
            : null;
        return ToResponse(a, portfolio, await ledger.CreditsBalanceAsync(a.Id, ct));
    }

    private static AccountResponse ToResponse(Account a, string? defaultPortfolioId, long creditsBalance) =>
        new(a.Id, a.Name, a.Email, a.Currency, defaultPortfolioId, a.Billing, a.PublicFeedOptIn, a.ImpactSlug,
            a.HostedImpactPageEnabled, Equivalents.Names(a.HostedImpactPageEquivalents), a.CardPaymentMethod is not null, creditsBalance, a.RideGramsPerKm, a.CreatedAt);

    private static UserResponse ToResponse(User u) => new(u.Id, u.AccountId, u.Email, u.Name, u.HasLogin, u.CreatedAt);

    private static TokenResponse ToResponse(ApiToken t) =>
        new(t.Id, t.AccountId, t.Mode, t.Kind, t.Name, t.Prefix, t.UserId, t.CreatedAt, t.LastUsedAt, t.RevokedAt);
}

