using Canopy.Kernel;
using Canopy.Catalog;
using Canopy.Data;
using Canopy.Ledger;
using Canopy.Platform;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Accounts;

/// <summary>A new account. Unset settings take their defaults (USD, no billing, hosted impact page on with every equivalent).</summary>
public sealed record NewAccount(string Name, string? Email, string? Currency, string? DefaultPortfolioId, BillingMode? Billing,
    bool? PublicFeedOptIn, string? ImpactSlug, bool? HostedImpactPageEnabled, ImpactEquivalents? HostedImpactPageEquivalents);

/// <summary>A change to an account's settings: those given (not null) are set.</summary>
public sealed record AccountChanges(string? Name, string? Email, string? Currency, string? DefaultPortfolioId, BillingMode? Billing,
    bool? PublicFeedOptIn, string? ImpactSlug, bool? HostedImpactPageEnabled, ImpactEquivalents? HostedImpactPageEquivalents, long? RideGramsPerKm);

public sealed record NewUser(string Email, string? Name, bool? HasLogin);

/// <summary>A token to issue; a personal token names its user.</summary>
public sealed record NewToken(TokenMode Mode, TokenKind? Kind, string? Name, long? UserId);

/// <summary>A token just issued, with its secret: the only time the secret exists outside the caller's hands.</summary>
public sealed record IssuedToken(ApiToken Token, string Secret);

/// <summary>A top-up of USD credits; a reference makes it safe to retry (it posts once per account).</summary>
public sealed record TopUp(long AmountUsdCents, string? Note, string? Reference);

public sealed record CreditsAdded(long BalanceUsdCents, long? TransactionId);

/// <summary>
/// The writes of customers: accounts and their settings, users, API tokens (issue, revoke), and credit top-ups through the
/// ledger. Every surface that changes an account comes through here.
/// </summary>
internal sealed class AccountService(CanopyDbContext db, CatalogCache catalog, LedgerService ledger, LedgerAccounts ledgerAccounts,
    TokenStore tokens, TimeProvider time)
{
    private const string SlugTaken = "Another account uses this impact_slug.";

    public async Task<WriteResult<Account>> CreateAccountAsync(NewAccount r, CancellationToken ct)
    {
        var portfolio = await DefaultPortfolioAsync(r.DefaultPortfolioId, ct);
        if (portfolio.Failure is { } failure) return failure;
        if (r.ImpactSlug is not null && await db.Accounts.AnyAsync(a => a.ImpactSlug == r.ImpactSlug, ct))
            return new WriteFailure.Invalid("impact_slug", SlugTaken);

        var account = new Account
        {
            Name = r.Name.Trim(),
            Email = r.Email,
            Currency = r.Currency?.ToUpperInvariant() ?? Usd.Code,
            DefaultPortfolioId = portfolio.Value,
            Billing = r.Billing ?? BillingMode.None,
            PublicFeedOptIn = r.PublicFeedOptIn ?? false,
            // Hosted impact pages are on by default, at a slug of the operator's choosing or a generated one.
            ImpactSlug = r.ImpactSlug ?? ImpactSlugs.FromName(r.Name),
            HostedImpactPageEnabled = r.HostedImpactPageEnabled ?? true,
            HostedImpactPageEquivalents = r.HostedImpactPageEquivalents ?? ImpactEquivalents.All,
            WebhookSecret = NewWebhookSecret(),
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.Accounts.Add(account);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (r.ImpactSlug is not null && e.IsUniqueViolation(db, "ix_accounts_impact_slug"))
        {
            // A concurrent request took the slug between the check and the insert.
            return new WriteFailure.Invalid("impact_slug", SlugTaken);
        }
        await ledgerAccounts.EnsureAsync(LedgerAccountKind.CustomerCredits, Chart.Currency, account.Id, ct);
        return account;
    }

    public async Task<WriteResult<Account>> UpdateAccountAsync(long id, AccountChanges r, CancellationToken ct)
    {
        var account = await db.Accounts.FirstOrDefaultAsync(a => a.Id == id, ct);
        if (account is null) return new WriteFailure.NotFound("account");
        if (r.DefaultPortfolioId is not null)
        {
            var portfolio = await DefaultPortfolioAsync(r.DefaultPortfolioId, ct);
            if (portfolio.Failure is { } failure) return failure;
            account.DefaultPortfolioId = portfolio.Value;
        }
        if (r.ImpactSlug is not null && await db.Accounts.AnyAsync(a => a.ImpactSlug == r.ImpactSlug && a.Id != id, ct))
            return new WriteFailure.Invalid("impact_slug", SlugTaken);
        if (r.Name is not null) account.Name = r.Name.Trim();
        if (r.Email is not null) account.Email = r.Email;
        if (r.Currency is not null) account.Currency = r.Currency.ToUpperInvariant();
        if (r.Billing is { } billing) account.Billing = billing;
        if (r.PublicFeedOptIn is { } feed) account.PublicFeedOptIn = feed;
        if (r.ImpactSlug is not null) account.ImpactSlug = r.ImpactSlug;
        if (r.HostedImpactPageEnabled is { } hosted) account.HostedImpactPageEnabled = hosted;
        if (r.HostedImpactPageEquivalents is { } equivalents) account.HostedImpactPageEquivalents = equivalents;
        if (r.RideGramsPerKm is { } ride) account.RideGramsPerKm = ride;
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (r.ImpactSlug is not null && e.IsUniqueViolation(db, "ix_accounts_impact_slug"))
        {
            return new WriteFailure.Invalid("impact_slug", SlugTaken);
        }
        return account;
    }

    public async Task<WriteResult<User>> CreateUserAsync(long accountId, NewUser r, CancellationToken ct)
    {
        if (!await db.Accounts.AnyAsync(a => a.Id == accountId, ct)) return new WriteFailure.NotFound("account");
        var email = r.Email.Trim().ToLowerInvariant();
        if (await db.Users.AnyAsync(u => u.AccountId == accountId && u.Email == email, ct))
            return new WriteFailure.Conflict($"The account already has a user {email}.");
        var user = new User { AccountId = accountId, Email = email, Name = r.Name, HasLogin = r.HasLogin ?? true, CreatedAt = time.GetUtcNow().UtcDateTime };
        db.Users.Add(user);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation(db, "ix_users_account_id_email"))
        {
            // The unique (account, email) index: a concurrent request added the same user first.
            return new WriteFailure.Conflict($"The account already has a user {email}.");
        }
        return user;
    }

    public async Task<WriteResult<IssuedToken>> IssueTokenAsync(long accountId, NewToken r, CancellationToken ct)
    {
        if (!await db.Accounts.AnyAsync(a => a.Id == accountId, ct)) return new WriteFailure.NotFound("account");
        var kind = r.Kind ?? TokenKind.Team;
        if (kind == TokenKind.Personal && r.UserId is null) return new WriteFailure.Invalid("user_id", "'user_id' is required for a personal token.");
        if (kind != TokenKind.Personal && r.UserId is not null) return new WriteFailure.Invalid("user_id", "'user_id' is only for personal tokens.");
        if (r.UserId is { } userId && !await db.Users.AnyAsync(u => u.Id == userId && u.AccountId == accountId, ct))
            return new WriteFailure.Invalid("user_id", "The account has no such user.");

        var secret = Tokens.NewSecret(r.Mode);
        var token = new ApiToken
        {
            AccountId = accountId,
            UserId = r.UserId,
            Kind = kind,
            Mode = r.Mode,
            Name = r.Name,
            Hash = Tokens.Hash(secret),
            Prefix = Tokens.DisplayPrefix(secret),
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.ApiTokens.Add(token);
        await db.SaveChangesAsync(ct);
        tokens.Evict(token.Hash); // in case a client sent this very secret before it existed (the negative cache)
        return new IssuedToken(token, secret);
    }

    /// <summary>Revokes a token of this account (again is a no-op: the first revocation's time stays).</summary>
    public async Task<WriteResult<ApiToken>> RevokeTokenAsync(long accountId, long tokenId, CancellationToken ct)
    {
        var token = await db.ApiTokens.FirstOrDefaultAsync(t => t.Id == tokenId && t.AccountId == accountId, ct);
        if (token is null) return new WriteFailure.NotFound("token");
        token.RevokedAt ??= time.GetUtcNow().UtcDateTime;
        await db.SaveChangesAsync(ct);
        tokens.Evict(token.Hash);
        return token;
    }

    /// <summary>Credits the account from the operator's funding account: one ledger posting.</summary>
    public async Task<WriteResult<CreditsAdded>> AddCreditsAsync(long accountId, TopUp r, CancellationToken ct)
    {
        if (!await db.Accounts.AnyAsync(a => a.Id == accountId, ct)) return new WriteFailure.NotFound("account");
        if (r.AmountUsdCents is <= 0 or > MaxTopUpUsdCents)
            return new WriteFailure.Invalid("amount_usd_cents", $"'amount_usd_cents' must be more than 0 and at most {MaxTopUpUsdCents}.");
        var credits = await ledgerAccounts.EnsureAsync(LedgerAccountKind.CustomerCredits, Chart.Currency, accountId, ct);
        var funding = await ledgerAccounts.EnsureAsync(LedgerAccountKind.OperatorFunding, Chart.Currency, null, ct);
        var amount = r.AmountUsdCents;
        var key = r.Reference is null ? $"topup:{Guid.NewGuid():N}" : $"topup:{accountId}:{r.Reference}";
        if (r.Reference is not null && await db.LedgerTransactions.AnyAsync(t => t.Key == key, ct))
            return new WriteFailure.Conflict($"A top-up with reference '{r.Reference}' was already applied to this account.");
        try
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await ledger.PostAsync(key, PostingKind.CreditsTopup.Name(), Chart.Currency, accountId, r.Note, [new Leg(credits, amount), new Leg(funding, -amount)], ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        catch (DbUpdateException e) when (r.Reference is not null && e.IsUniqueViolation(db, "ix_ledger_transactions_key"))
        {
            // The same reference raced in from another request; its transaction rolled back this one's balance change.
            return new WriteFailure.Conflict($"A top-up with reference '{r.Reference}' was already applied to this account.");
        }
        var transactionId = db.LedgerTransactions.Local.Select(t => (long?)t.Id).LastOrDefault();
        var balance = await db.LedgerAccounts.Where(a => a.Id == credits).Select(a => a.Balance).FirstAsync(ct);
        return new CreditsAdded(balance, transactionId);
    }

    /// <summary>A new secret for signing the account's callbacks; the old one stops working at once.</summary>
    public async Task<WriteResult<string>> RotateWebhookSecretAsync(long accountId, CancellationToken ct)
    {
        var secret = NewWebhookSecret();
        var changed = await db.Accounts.Where(a => a.Id == accountId).ExecuteUpdateAsync(s => s.SetProperty(a => a.WebhookSecret, secret), ct);
        return changed == 0 ? new WriteFailure.NotFound("account") : secret;
    }

    private static string NewWebhookSecret() => "whsec_" + Tokens.RandomString(32);

    /// <summary>One billion dollars in one grant is surely a typo.</summary>
    public const long MaxTopUpUsdCents = 100_000_000_000;

    /// <summary>The internal id of an active portfolio named as an account's default (null when none is named).</summary>
    private async Task<WriteResult<long?>> DefaultPortfolioAsync(string? publicId, CancellationToken ct)
    {
        if (publicId is null) return (long?)null;
        var snapshot = await catalog.GetAsync(ct);
        if (!snapshot.PortfoliosByPublicId.TryGetValue(publicId, out var portfolio))
            return new WriteFailure.Invalid("default_portfolio_id", $"There is no portfolio '{publicId}'.");
        if (!portfolio.Active)
            return new WriteFailure.Invalid("default_portfolio_id", $"The portfolio '{publicId}' is retired.");
        return portfolio.Id;
    }
}
