using Canopy.Outbox;
using Canopy.Payments;
using Canopy.Payments.Webhooks;

namespace Canopy.Ordering;

internal static class OrderingSetup
{
    /// <summary>
    /// The one order pipeline (pricing, the write, cancellation), what card payments need to know of orders, and the
    /// Stripe events and outbox messages that act on orders (refunds, disputes).
    /// </summary>
    public static IServiceCollection AddCanopyOrdering(this IServiceCollection services, IConfiguration config)
    {
        services.Configure<EmissionFactors>(config.GetSection("Canopy:Emissions"));
        services.AddSingleton<OrderMetrics>();
        services.AddSingleton<OrderPricer>();
        services.AddScoped<OrderService>();
        services.AddScoped<OrderPipeline>();
        services.AddScoped<OrderCancellation>();
        services.AddSingleton<IChargedOrders, ChargedOrders>();
        services.AddSingleton<Accounts.ISubaccountUsage, SubaccountUsage>();
        services.AddOutboxHandler<CardRefundHandler>(OutboxTopics.CardRefund);
        services.AddScoped<IStripeWebhookHandler, ChargeRefundedHandler>();
        services.AddScoped<IStripeWebhookHandler, DisputeCreatedHandler>();
        return services;
    }
}
