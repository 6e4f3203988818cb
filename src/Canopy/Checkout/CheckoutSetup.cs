using Canopy.Payments.Webhooks;

namespace Canopy.Checkout;

internal static class CheckoutSetup
{
    /// <summary>
    /// Hosted checkout: sessions on Stripe Checkout (only when Stripe is the card processor; without it a checkout
    /// request is refused), and the Stripe events that place or expire their orders.
    /// </summary>
    public static IServiceCollection AddCanopyCheckout(this IServiceCollection services, IConfiguration config)
    {
        if ((config["Payments:Provider"] ?? "simulated").Trim().Equals("stripe", StringComparison.OrdinalIgnoreCase))
            services.AddSingleton<ICheckoutProcessor, StripeCheckoutProcessor>();
        services.AddScoped<CheckoutService>();
        services.AddScoped<ICheckoutOrderPlacer, CheckoutOrderPlacer>();
        services.AddScoped<IStripeWebhookHandler, CheckoutSessionCompletedHandler>();
        services.AddScoped<IStripeWebhookHandler, CheckoutSessionExpiredHandler>();
        return services;
    }
}
