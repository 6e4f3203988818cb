using Canopy.Catalog;
using Canopy.Data;
using Canopy.Platform;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Accounts;

/// <summary>Whose subaccounts: one account's, in one mode (test keys see only the sandbox's).</summary>
public readonly record struct SubaccountScope(long AccountId, TokenMode Mode);

/// <summary>A subaccount's fields, set whole on a create or a replace (what is omitted becomes null; the logo is kept on a replace).</summary>
public sealed record SubaccountFields(string Name, string? Email, string? DefaultPortfolioId, string? LogoUrl = null);

/// <summary>Subaccounts' rules, shared with the surfaces that check them early.</summary>
public static class SubaccountRules
{
    public const int MaxName = 512;

    /// <summary>Public ids are 8 characters; anything longer than this is never looked up.</summary>
    public const int MaxIdLength = 16;

    /// <summary>As large as CNaught accepts (its SDK's own suite uploads a 938 KiB, 7000×3000 PNG).</summary>
    public const int MaxLogoBytes = 5 * 1024 * 1024;

    public static bool IsPlausibleId(string id) => id.Length <= MaxIdLength;

    /// <summary>The media types a logo may be sent as ("image/jpg" is a common misspelling, taken as JPEG).</summary>
    public static bool IsLogoContentType(string? contentType) => contentType is "image/png" or "image/jpeg" or "image/jpg";

    public const string LogoContentTypeMessage = "The logo must be sent as image/png or image/jpeg.";

    public static readonly string LogoTooLargeMessage = $"The logo must be at most {MaxLogoBytes / 1024 / 1024} MiB.";

    public static readonly string LogoMalformedMessage =
        $"The body is not a well-formed PNG or JPEG image (at most {ImageHeader.MaxDimension} pixels a side and {ImageHeader.MaxPixels / 1_000_000} megapixels) matching its Content-Type.";

    public const string LogoUndecodableMessage = "The image's pixel data could not be decoded.";
}

/// <summary>
/// The writes of subaccounts: create, replace, and their logos (by URL or uploaded bytes, checked structurally before
/// they are served publicly). Every surface that changes a subaccount comes through here; errors name the field
/// <c>logo_file_content</c> for uploaded bytes, as CNaught's API does.
/// </summary>
public sealed class SubaccountService(CanopyDbContext db, CatalogCache catalog, AccountContextCache contexts, ISubaccountUsage usage, TimeProvider time)
{
    /// <summary>
    /// Deletes a subaccount and its logos, unless it has orders of any state (Forbidden): every order keeps the
    /// subaccount it was placed for.
    /// </summary>
    public async Task<WriteResult<Subaccount>> DeleteAsync(SubaccountScope scope, string id, CancellationToken ct)
    {
        var sub = await FindAsync(scope, id, tracked: false, ct);
        if (sub is null) return new WriteFailure.NotFound("subaccount");
        // The order path finds subaccounts in the cached caller context: evict it before the delete and after the commit.
        contexts.Invalidate(sub.AccountId);
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        // The row lock (PostgreSQL) queues this delete behind logo changes of the same subaccount.
        await db.Subaccounts.Where(s => s.Id == sub.Id).ExecuteUpdateAsync(u => u.SetProperty(s => s.Name, s => s.Name), ct);
        if (await usage.HasOrdersAsync(db, sub.AccountId, sub.Id, ct))
            return new WriteFailure.Forbidden("Subaccount has orders", "A subaccount with orders cannot be deleted.");
        await db.SubaccountLogos.Where(l => l.SubaccountId == sub.Id).ExecuteDeleteAsync(ct);
        await db.Subaccounts.Where(s => s.Id == sub.Id).ExecuteDeleteAsync(ct);
        await tx.CommitAsync(CancellationToken.None);
        contexts.Invalidate(sub.AccountId);
        return sub;
    }

    public Task<Subaccount?> FindAsync(SubaccountScope scope, string id, bool tracked, CancellationToken ct)
    {
        var query = tracked ? db.Subaccounts : db.Subaccounts.AsNoTracking();
        return SubaccountRules.IsPlausibleId(id)
            ? query.FirstOrDefaultAsync(s => s.PublicId == id && s.AccountId == scope.AccountId && s.Mode == scope.Mode, ct)
            : Task.FromResult<Subaccount?>(null);
    }

    public async Task<WriteResult<Subaccount>> CreateAsync(SubaccountScope scope, SubaccountFields f, CancellationToken ct)
    {
        if (Check(f) is { } invalid) return invalid;
        var portfolio = await PortfolioAsync(f.DefaultPortfolioId, ct);
        if (portfolio.Failure is { } failure) return failure;
        var sub = new Subaccount
        {
            PublicId = Tokens.RandomString(8),
            AccountId = scope.AccountId,
            Mode = scope.Mode,
            Name = f.Name.Trim(),
            Email = string.IsNullOrWhiteSpace(f.Email) ? null : f.Email.Trim(),
            DefaultPortfolioId = portfolio.Value,
            LogoUrl = f.LogoUrl,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.Subaccounts.Add(sub);
        await db.SaveChangesAsync(ct);
        return sub;
    }

    /// <summary>Replaces name, email and default portfolio; the logo is kept.</summary>
    public async Task<WriteResult<Subaccount>> ReplaceAsync(SubaccountScope scope, string id, SubaccountFields f, CancellationToken ct)
    {
        var sub = await FindAsync(scope, id, tracked: true, ct);
        if (sub is null) return new WriteFailure.NotFound("subaccount");
        if (Check(f) is { } invalid) return invalid;
        var portfolio = await PortfolioAsync(f.DefaultPortfolioId, ct);
        if (portfolio.Failure is { } failure) return failure;
        sub.Name = f.Name.Trim();
        sub.Email = string.IsNullOrWhiteSpace(f.Email) ? null : f.Email.Trim();
        sub.DefaultPortfolioId = portfolio.Value;
        await db.SaveChangesAsync(ct);
        return sub;
    }

    /// <summary>A logo at a URL. The image stays where it is: fetching arbitrary URLs from the server would invite SSRF.</summary>
    public async Task<WriteResult<Subaccount>> SetLogoUrlAsync(SubaccountScope scope, string id, string logoUrl, CancellationToken ct)
    {
        var sub = await FindAsync(scope, id, tracked: true, ct);
        if (sub is null) return new WriteFailure.NotFound("subaccount");
        sub.LogoUrl = logoUrl;
        await ReplaceLogoAsync(sub, null, ct);
        return sub;
    }

    /// <summary>An uploaded logo, served from a new stable URL; the previous upload goes.</summary>
    public async Task<WriteResult<Subaccount>> UploadLogoAsync(SubaccountScope scope, string id, string? contentType, byte[] bytes, CancellationToken ct)
    {
        var sub = await FindAsync(scope, id, tracked: true, ct);
        if (sub is null) return new WriteFailure.NotFound("subaccount");
        if (!SubaccountRules.IsLogoContentType(contentType)) return new WriteFailure.Invalid("logo_file_content", SubaccountRules.LogoContentTypeMessage);
        if (bytes.Length > SubaccountRules.MaxLogoBytes) return new WriteFailure.Invalid("logo_file_content", SubaccountRules.LogoTooLargeMessage);
        var image = ImageHeader.Read(bytes);
        if (image is null || (image.ContentType == "image/png") != (contentType == "image/png"))
            return new WriteFailure.Invalid("logo_file_content", SubaccountRules.LogoMalformedMessage);
        // The original is kept; pages and logo_url serve a copy at most LogoImages.MaxServedSide on the long side.
        var served = await LogoImages.DownscaleAsync(bytes, ct);
        if (served is null) return new WriteFailure.Invalid("logo_file_content", SubaccountRules.LogoUndecodableMessage);
        var logo = new SubaccountLogo
        {
            Id = Tokens.RandomString(24), AccountId = sub.AccountId, SubaccountId = sub.Id, ContentType = image.ContentType, Bytes = bytes,
            ServedBytes = served, CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        sub.LogoUrl = "/logos/" + logo.Id;
        await ReplaceLogoAsync(sub, logo, ct);
        return sub;
    }

    public async Task<WriteResult<Subaccount>> RemoveLogoAsync(SubaccountScope scope, string id, CancellationToken ct)
    {
        var sub = await FindAsync(scope, id, tracked: true, ct);
        if (sub is null) return new WriteFailure.NotFound("subaccount");
        sub.LogoUrl = null;
        await ReplaceLogoAsync(sub, null, ct);
        return sub;
    }

    /// <summary>Name and email rules for callers that did not check them on their wire.</summary>
    private static WriteFailure.Invalid? Check(SubaccountFields f)
    {
        if (string.IsNullOrWhiteSpace(f.Name)) return new WriteFailure.Invalid("name", "'name' must not be empty.");
        if (f.Name.Length > SubaccountRules.MaxName)
            return new WriteFailure.Invalid("name", $"The length of 'name' must be {SubaccountRules.MaxName} characters or fewer. You entered {f.Name.Length} characters.");
        return null;
    }

    /// <summary>
    /// Sets the subaccount's logo_url and leaves exactly the given uploaded logo (or none), in one transaction. The
    /// subaccount row is written first: on PostgreSQL its row lock queues concurrent logo changes of the same
    /// subaccount, so none of them can leave an orphan logo served publicly.
    /// </summary>
    private async Task ReplaceLogoAsync(Subaccount sub, SubaccountLogo? logo, CancellationToken ct)
    {
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var url = sub.LogoUrl;
        await db.Subaccounts.Where(s => s.Id == sub.Id).ExecuteUpdateAsync(u => u.SetProperty(s => s.LogoUrl, url), ct);
        var keep = logo?.Id;
        await db.SubaccountLogos.Where(l => l.SubaccountId == sub.Id && l.Id != keep).ExecuteDeleteAsync(ct);
        if (logo is not null) db.SubaccountLogos.Add(logo);
        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(CancellationToken.None);
    }

    /// <summary>An active portfolio by public id (null when none is named); a retired one is as good as none.</summary>
    private async Task<WriteResult<long?>> PortfolioAsync(string? publicId, CancellationToken ct)
    {
        if (publicId is null) return (long?)null;
        var snapshot = await catalog.GetAsync(ct);
        return snapshot.PortfoliosByPublicId.TryGetValue(publicId, out var p) && p.Active
            ? p.Id
            : new WriteFailure.Invalid("default_portfolio_id", $"There is no portfolio '{publicId}'.");
    }
}
