using Canopy.Kernel;
using Canopy.Accounts;
using Canopy.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Canopy.Payments;

/// <summary>The operator's exchange rate: units of <see cref="Currency"/> per 1 USD, in millionths (0.92 EUR → 920 000).</summary>
public sealed class FxRate
{
    public required string Currency { get; set; }
    public long MicroUnitsPerUsd { get; set; }
    public DateTime UpdatedAt { get; set; }
}

internal sealed class FxRateConfiguration : IEntityTypeConfiguration<FxRate>
{
    public void Configure(EntityTypeBuilder<FxRate> b)
    {
        b.ToTable("fx_rates");
        b.HasKey(x => x.Currency);
        b.Property(x => x.Currency).HasMaxLength(3);
    }
}

/// <summary>Converts USD cents to another currency's minor units with the operator's rates, rounding up (DESIGN §3).</summary>
public sealed class FxConverter(IServiceScopeFactory scopes, TimeProvider time) : IDisposable
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(60);
    private readonly Canopy.Kernel.RefreshingCache<IReadOnlyDictionary<string, long>> _cache = new(time);

    /// <summary>The amount in <paramref name="currency"/>'s minor units, or null when the operator has set no rate.</summary>
    public async ValueTask<long?> FromUsdCentsAsync(long usdCents, string currency, CancellationToken ct)
    {
        if (currency == Usd.Code) return usdCents;
        var rates = await RatesAsync(ct);
        return rates.TryGetValue(currency, out var micro) ? Convert(usdCents, micro, Currencies.Exponent(currency)) : null;
    }

    /// <summary>ceil(cents × rate × 10^exponent / 100): exact in 128 bits.</summary>
    public static long Convert(long usdCents, long microUnitsPerUsd, int exponent)
    {
        Int128 numerator = (Int128)usdCents * microUnitsPerUsd;
        Int128 denominator = 100 * 1_000_000;
        for (var i = 0; i < exponent; i++) numerator *= 10;
        return checked((long)((numerator + denominator - 1) / denominator)); // never wrap silently
    }

    public void Invalidate() => _cache.Invalidate();

    public void Dispose() => _cache.Dispose();

    private ValueTask<IReadOnlyDictionary<string, long>> RatesAsync(CancellationToken ct) => _cache.GetAsync(MaxAge, async token =>
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        return (IReadOnlyDictionary<string, long>)await db.FxRates.AsNoTracking()
            .ToDictionaryAsync(r => r.Currency, r => r.MicroUnitsPerUsd, StringComparer.Ordinal, token);
    }, ct);
}
