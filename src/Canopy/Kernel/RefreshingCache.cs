namespace Canopy.Kernel;

/// <summary>
/// One value loaded on demand and kept for a while. <see cref="Invalidate"/> during a load wins: the value that load
/// returns is marked stale at once, so a change an operator just made is never hidden for a whole period.
/// </summary>
public sealed class RefreshingCache<T>(TimeProvider time) : IDisposable where T : class
{
    private sealed record Entry(T Value, DateTimeOffset LoadedAt, long Version);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private Entry? _entry;
    private long _version;

    public async ValueTask<T> GetAsync(TimeSpan maxAge, Func<CancellationToken, Task<T>> load, CancellationToken ct)
    {
        if (Fresh(Volatile.Read(ref _entry), maxAge) is { } hit) return hit;
        await _gate.WaitAsync(ct);
        try
        {
            if (Fresh(Volatile.Read(ref _entry), maxAge) is { } again) return again;
            var version = Interlocked.Read(ref _version);
            var value = await load(ct);
            Volatile.Write(ref _entry, new Entry(value, time.GetUtcNow(), version));
            return value;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Invalidate() => Interlocked.Increment(ref _version);

    public void Dispose() => _gate.Dispose();

    private T? Fresh(Entry? entry, TimeSpan maxAge) =>
        entry is not null && entry.Version == Interlocked.Read(ref _version) && time.GetUtcNow() - entry.LoadedAt < maxAge ? entry.Value : null;
}
