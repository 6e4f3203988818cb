using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Canopy.Accounts;

/// <summary>
/// Evicts cached <see cref="AccountContext"/>s when an account or subaccount is added, changed or deleted through
/// <c>SaveChanges</c>, so that no endpoint has to remember to. Bulk <c>ExecuteUpdate</c>/<c>ExecuteDelete</c> on these
/// tables must call <see cref="AccountContextCache.Invalidate"/> themselves.
/// </summary>
internal sealed class AccountChangeInterceptor(AccountContextCache contexts) : SaveChangesInterceptor
{
    private readonly System.Runtime.CompilerServices.ConditionalWeakTable<DbContext, List<long>> _pending = new();

    public override ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Collect(eventData.Context);
        return base.SavingChangesAsync(eventData, result, cancellationToken);
    }

    public override InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Collect(eventData.Context);
        return base.SavingChanges(eventData, result);
    }

    public override ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Flush(eventData.Context);
        return base.SavedChangesAsync(eventData, result, cancellationToken);
    }

    public override int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Flush(eventData.Context);
        return base.SavedChanges(eventData, result);
    }

    public override void SaveChangesFailed(DbContextErrorEventData eventData) => Flush(eventData.Context);

    public override Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Flush(eventData.Context);
        return Task.CompletedTask;
    }

    private void Collect(DbContext? db)
    {
        if (db is null) return;
        List<long>? ids = null;
        foreach (var entry in db.ChangeTracker.Entries())
        {
            if (entry.State is EntityState.Unchanged or EntityState.Detached) continue;
            long? id = entry.Entity switch
            {
                Account a => a.Id,
                Subaccount s => s.AccountId,
                _ => null,
            };
            if (id is { } accountId) (ids ??= []).Add(accountId);
        }
        // Evict before the save as well: a reader that reloads between now and the commit must not keep the old row either
        // (the cache's version check drops a load that overlaps an eviction).
        if (ids is null) return;
        foreach (var id in ids) contexts.Invalidate(id);
        _pending.AddOrUpdate(db, ids);
    }

    private void Flush(DbContext? db)
    {
        if (db is null || !_pending.TryGetValue(db, out var ids)) return;
        foreach (var id in ids) contexts.Invalidate(id);
        _pending.Remove(db);
    }
}
