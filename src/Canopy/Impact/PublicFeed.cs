using Canopy.Accounts;
using Canopy.Catalog;
using Canopy.Data;
using Canopy.Ordering;
using Canopy.Kernel;
using Canopy.Platform;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Impact;

/// <summary>
/// One order on the public feed. <see cref="OrderGroupId"/> is the payment reference (else the order's public id);
/// <see cref="Grams"/> its offsets, without the grams that measured a donation.
/// </summary>
public sealed record PublicFeedEntry(string OrderGroupId, string AccountName, long Grams, long? PortfolioId, string? PortfolioName, DateTime CreatedAt);

/// <summary>
/// The most recent live orders of accounts that opted in to the public feed, cached per node for
/// <c>Canopy:PublicFeedRefreshSeconds</c> (at most an hour), read from a standby when there are read replicas. Wren's
/// public list and the /feed page both read it.
/// </summary>
internal sealed class PublicFeed(IServiceScopeFactory scopes, CatalogCache catalog, TimeProvider time, IConfiguration config) : IDisposable
{
    public const int Size = 30;
    private readonly RefreshingCache<IReadOnlyList<PublicFeedEntry>> _cache = new(time);

    private TimeSpan MaxAge => TimeSpan.FromSeconds(Math.Clamp(config.GetValue("Canopy:PublicFeedRefreshSeconds", 300), 0, 3600));

    public async Task<IReadOnlyList<PublicFeedEntry>> GetAsync(CancellationToken ct) => await _cache.GetAsync(MaxAge, LoadAsync, ct);

    public void Invalidate() => _cache.Invalidate();

    public void Dispose() => _cache.Dispose();

    private async Task<IReadOnlyList<PublicFeedEntry>> LoadAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredKeyedService<CanopyDbContext>(Reads.MayLag);
        var snapshot = await catalog.GetAsync(ct);
        // An order is one charge for one portfolio, so one order is one row.
        // The grams shown are the order's offsets: a portfolio's donation share is money given, never CO₂e, and an
        // order that was all donation is not on the feed.
        var rows = await (from o in db.Orders.AsNoTracking()
                          join a in db.Accounts on o.AccountId equals a.Id
                          where a.PublicFeedOptIn && o.Mode == TokenMode.Live && o.State != OrderState.Cancelled
                                && (o.Kind == OrderKind.Offset || o.Kind == OrderKind.Ride) && o.Grams > 0
                          let offsetGrams = (from x in db.OrderAllocations
                                             join p in db.Projects on x.ProjectId equals p.Id
                                             where x.OrderId == o.Id && p.Kind != ProjectKind.Donation
                                             select x.Grams).Sum()
                          where offsetGrams > 0
                          orderby o.Id descending
                          select new { o.PublicId, o.PaymentReference, a.Name, Grams = offsetGrams, o.PortfolioId, o.CreatedAt })
            .Take(Size).ToListAsync(ct);
        return [.. rows.Select(r => new PublicFeedEntry(r.PaymentReference ?? r.PublicId, r.Name, r.Grams, r.PortfolioId,
            r.PortfolioId is { } pid && snapshot.PortfoliosById.TryGetValue(pid, out var p) ? p.Name : null,
            DateTime.SpecifyKind(r.CreatedAt, DateTimeKind.Utc)))];
    }
}
