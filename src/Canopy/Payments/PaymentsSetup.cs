using Canopy.Payments.Webhooks;
using Stripe;

namespace Canopy.Payments;

internal static class PaymentsSetup
{
    /// <summary>
    /// <c>Payments:Provider</c> chooses the card processor: <c>simulated</c> (the default: no money moves, and the
    /// start-up log says so) or <c>stripe</c> (needs <c>Stripe:SecretKey</c>). Both come with the intent record, the
    /// reconciler, refunds through the outbox and the Stripe webhook handlers.
    /// </summary>
    public static IServiceCollection AddCanopyPayments(this IServiceCollection services, IConfiguration config)
    {
        var provider = (config["Payments:Provider"] ?? "simulated").Trim().ToLowerInvariant();
        services.Configure<StripeOptions>(config.GetSection("Stripe"));
        services.Configure<ReconcilerOptions>(config.GetSection("Payments"));
        switch (provider)
        {
            case "simulated":
                services.AddSingleton<ICardProcessor, SimulatedCardProcessor>();
                services.AddHostedService<PaymentsBanner>(sp => new PaymentsBanner(sp.GetRequiredService<ILogger<PaymentsBanner>>(), null));
                break;
            case "stripe":
                var stripe = config.GetSection("Stripe").Get<StripeOptions>() ?? new StripeOptions();
                if (string.IsNullOrWhiteSpace(stripe.SecretKey))
                    throw new InvalidOperationException("Payments:Provider is 'stripe' but Stripe:SecretKey is not set.");
                services.AddSingleton<StripeClient>(_ => new StripeClient(new StripeClientOptions
                {
                    ApiKey = stripe.SecretKey,
                    ApiBase = string.IsNullOrWhiteSpace(stripe.ApiBase) ? null : stripe.ApiBase.TrimEnd('/'),
                    HttpClient = new SystemNetHttpClient(
                        new HttpClient { Timeout = TimeSpan.FromSeconds(Math.Max(1, stripe.TimeoutSeconds)) },
                        Math.Max(0, stripe.MaxNetworkRetries)),
                }));
                services.AddSingleton<ICardProcessor, StripeCardProcessor>();
                services.AddHostedService<PaymentsBanner>(sp => new PaymentsBanner(sp.GetRequiredService<ILogger<PaymentsBanner>>(), stripe));
                break;
            default:
                throw new InvalidOperationException($"Payments:Provider must be 'simulated' or 'stripe', not '{provider}'.");
        }
        services.AddSingleton<CardPayments>();
        services.AddSingleton<PaymentReconciler>();
        services.AddHostedService<PaymentReconcilerWorker>();
        services.AddStripeWebhookHandlers();
        services.AddSingleton<FxConverter>();
        services.AddScoped<PaymentSettings>();
        return services;
    }

    private sealed class PaymentsBanner(ILogger<PaymentsBanner> logger, StripeOptions? stripe) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (stripe is null)
                logger.LogWarning("Card payments use the SIMULATED processor: no real money moves. Set Payments:Provider=stripe for Stripe; see docs/payments.md.");
            else
            {
                logger.LogInformation("Card payments go through Stripe in {Mode} mode{Base}.", stripe.IsTestMode ? "TEST" : "LIVE",
                    string.IsNullOrWhiteSpace(stripe.ApiBase) ? "" : $" at {stripe.ApiBase}");
                if (string.IsNullOrWhiteSpace(stripe.WebhookSecret))
                    logger.LogWarning("Stripe:WebhookSecret is not set: /webhooks/stripe refuses every event until it is.");
            }
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
