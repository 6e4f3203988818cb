using Canopy.Notifications;
using Canopy.Outbox;

namespace Canopy.Fulfilment;

internal static class FulfilmentSetup
{
    /// <summary>Fulfilment, waiting orders, and order callbacks (an <see cref="IOrderCallbackBody"/> must be registered by a dialect).</summary>
    public static IServiceCollection AddCanopyFulfilment(this IServiceCollection services, IConfiguration config)
    {
        services.Configure<CallbackOptions>(config.GetSection("Callbacks"));
        services.AddScoped<FulfilmentService>();
        services.AddScoped<InventoryService>();
        services.AddSingleton<Ordering.IFulfilmentReversal, FulfilmentReversal>();
        services.AddOutboxHandler<FulfilOrderHandler>(OutboxTopics.FulfilOrder);
        services.AddOutboxHandler<ServeWaitingHandler>(OutboxTopics.ServeWaiting);
        services.AddOutboxHandler<CallbackHandler>(OutboxTopics.OrderCallback);
        CallbackHandler.Configure(services);
        return services;
    }
}
