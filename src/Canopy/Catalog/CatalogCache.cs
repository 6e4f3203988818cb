using Canopy.Data;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Catalog;

/// <summary>The whole catalogue, read-only, as one consistent picture. Entities in it must not be modified.</summary>
public sealed class CatalogSnapshot
{
    public required IReadOnlyDictionary<long, Project> Projects { get; init; }
    public required IReadOnlyDictionary<string, Project> ProjectsByPublicId { get; init; }
    public required IReadOnlyDictionary<string, ProjectCategory> Categories { get; init; }
    /// <summary>All portfolios by id, allocations in position order with their projects loaded.</summary>
    public required IReadOnlyList<Portfolio> Portfolios { get; init; }
    public required IReadOnlyDictionary<long, Portfolio> PortfoliosById { get; init; }
    public required IReadOnlyDictionary<string, Portfolio> PortfoliosByPublicId { get; init; }

    public Portfolio? DefaultPortfolio => Portfolios.FirstOrDefault(p => p.IsDefault && p.Active);

    /// <summary>The split weights and prices of a portfolio, in allocation order.</summary>
    public static IReadOnlyList<Share> SharesOf(Portfolio portfolio) =>
        [.. portfolio.Allocations.Select(a => new Share(a.ProjectId, a.PartsPerMillion, a.Project!.CostPerTonUsdCents ?? 0))];
}

/// <summary>
/// Keeps the catalogue in memory: every order needs it and it changes rarely. Operator changes on this node
/// invalidate it at once; other nodes reload within <see cref="MaxAge"/>. Reloads read from a standby when read
/// replicas are configured (<see cref="Reads.MayLag"/>), except the first one after a change on this node, which reads
/// the primary: that node's next order must see the change it just made, and a lagging standby would hide it for a
/// whole <see cref="MaxAge"/>.
/// </summary>
public sealed class CatalogCache(IServiceScopeFactory scopes, TimeProvider time) : IDisposable
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(60);
    private readonly SemaphoreSlim _reload = new(1, 1);
    // A reference, so that readers on other threads never see half of a write.
    private volatile Loaded? _current;
    private long _version; // bumped by Invalidate: a load that began before a change must not be kept after it
    private readonly Lock _gate = new(); // the version check and the store of a load, against Invalidate

    private sealed record Loaded(CatalogSnapshot Snapshot, DateTimeOffset LoadedAt);

    public async ValueTask<CatalogSnapshot> GetAsync(CancellationToken ct)
    {
        var current = _current;
        if (current is not null && time.GetUtcNow() - current.LoadedAt < MaxAge) return current.Snapshot;
        await _reload.WaitAsync(ct);
        try
        {
            current = _current;
            if (current is not null && time.GetUtcNow() - current.LoadedAt < MaxAge) return current.Snapshot;
            var version = Interlocked.Read(ref _version);
            // Nothing loaded: the start, or an operator change on this node (Invalidate) that a standby may not have
            // replayed yet; read the primary. An expired snapshot is reloaded where reads may lag.
            var fromPrimary = current is null;
            var loadedAt = time.GetUtcNow();
            var snapshot = await LoadAsync(fromPrimary, ct);
            // An operator change committed while this load ran may be missing from it: serve it to this caller
            // (its request began before the change finished) but do not cache it.
            lock (_gate)
            {
                if (Interlocked.Read(ref _version) == version) _current = new Loaded(snapshot, loadedAt);
            }
            return snapshot;
        }
        finally
        {
            _reload.Release();
        }
    }

    public void Invalidate()
    {
        lock (_gate)
        {
            Interlocked.Increment(ref _version);
            _current = null;
        }
    }

    public void Dispose() => _reload.Dispose();

    private async Task<CatalogSnapshot> LoadAsync(bool fromPrimary, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = fromPrimary
            ? scope.ServiceProvider.GetRequiredService<CanopyDbContext>()
            : scope.ServiceProvider.GetRequiredKeyedService<CanopyDbContext>(Reads.MayLag);
        // Four reads without a shared snapshot, ordered so that each sees everything the earlier ones refer to
        // (catalogue rows are never deleted): allocations, then their projects, then the projects' categories,
        // then portfolios. A portfolio committed between the first read and the last has no allocations here
        // and is left out until the next load.
        var allocations = await db.PortfolioAllocations.AsNoTracking().ToListAsync(ct);
        var projects = await db.Projects.AsNoTracking().OrderBy(p => p.Id).ToListAsync(ct);
        var categories = await db.ProjectCategories.AsNoTracking().ToListAsync(ct);
        var portfolioIds = allocations.Select(a => a.PortfolioId).ToHashSet();
        var portfolios = (await db.Portfolios.AsNoTracking().OrderBy(p => p.Id).ToListAsync(ct)).Where(p => portfolioIds.Contains(p.Id)).ToList();
        var byId = projects.ToDictionary(p => p.Id);
        foreach (var p in portfolios)
        {
            p.Allocations = [.. allocations.Where(a => a.PortfolioId == p.Id).OrderBy(a => a.Position).ThenBy(a => a.ProjectId)];
            foreach (var a in p.Allocations) a.Project = byId[a.ProjectId];
        }
        return new CatalogSnapshot
        {
            Projects = byId,
            ProjectsByPublicId = projects.ToDictionary(p => p.PublicId, StringComparer.Ordinal),
            Categories = categories.ToDictionary(c => c.Id, StringComparer.Ordinal),
            Portfolios = portfolios,
            PortfoliosById = portfolios.ToDictionary(p => p.Id),
            PortfoliosByPublicId = portfolios.ToDictionary(p => p.PublicId, StringComparer.Ordinal),
        };
    }
}
