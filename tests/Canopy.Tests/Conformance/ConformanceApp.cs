using Canopy.Tests.Infrastructure;
using Canopy.Tests.Payments;
using Microsoft.Extensions.Time.Testing;

namespace Canopy.Tests.Conformance;

/// <summary>
/// Canopy on a real loopback port (Stoplight Prism proxies to it), with Stripe.net pointed at a <see cref="StripeMock"/>
/// (cards and checkout sessions answer) and a clock the scenario moves past the end of a month, so that billing has something to bill.
/// </summary>
public abstract class ConformanceApp : CanopyApp
{
    public StripeMock Stripe { get; } = new();

    /// <summary>Half an hour before October ends: moving it past the month fires the app's periodic timers for an hour only.</summary>
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 10, 31, 23, 30, 0, TimeSpan.Zero));

    protected override bool RealServer => true;

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings =>
    [
        new("Payments:Provider", "stripe"),
        new("Stripe:SecretKey", "sk_test_canopy"),
        new("Stripe:ApiBase", Stripe.Url),
        new("Stripe:WebhookSecret", StripeApp.WebhookSecret),
        new("Stripe:MaxNetworkRetries", "0"),
        new("Stripe:TimeoutSeconds", "15"),
        new("Payments:ReconcilerEnabled", "false"),
        new("Canopy:AllowPrivateCallbackUrls", "true"),
    ];

    protected override void ConfigureServices(IServiceCollection services) => services.AddSingleton<TimeProvider>(Clock);

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Stripe.Dispose();
        GC.SuppressFinalize(this);
    }
}

public sealed class ConformanceSqliteApp : ConformanceApp
{
    public override Db Db => Db.Sqlite;
}

public sealed class ConformancePostgresApp : ConformanceApp
{
    public override Db Db => Db.Postgres;
}
