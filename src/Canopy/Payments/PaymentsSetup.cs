using Canopy.Notifications;

namespace Canopy.Payments;

internal static class PaymentsSetup
{
    /// <summary>
    /// <c>Payments:Provider</c> chooses the card processor. Until the Stripe integration lands only
    /// <c>simulated</c> exists; it is also what runs when no Stripe key is configured, with a warning.
    /// </summary>
    public static IServiceCollection AddCanopyPayments(this IServiceCollection services, IConfiguration config)
    {
        var provider = (config["Payments:Provider"] ?? "simulated").Trim().ToLowerInvariant();
        if (provider != "simulated")
            throw new InvalidOperationException($"Payments:Provider '{provider}' is not available in this version; use 'simulated'.");
        services.AddSingleton<ICardProcessor, SimulatedCardProcessor>();
        services.AddOutboxHandler<CardRefundHandler>(Canopy.Notifications.OutboxTopics.CardRefund);
        services.AddHostedService<SimulatedPaymentsWarning>();
        return services;
    }

    private sealed class SimulatedPaymentsWarning(ILogger<SimulatedPaymentsWarning> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            logger.LogWarning("Card payments use the SIMULATED processor: no real money moves. See docs/payments.md.");
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
