namespace Canopy.Payments;

/// <summary><c>Stripe:*</c> settings, used when <c>Payments:Provider</c> is <c>stripe</c>.</summary>
public sealed class StripeOptions
{
    /// <summary>The secret API key (sk_live_… or sk_test_…; a restricted rk_… key works too).</summary>
    public string? SecretKey { get; set; }
    /// <summary>Where Stripe's API is; only tests change it (a local mock server).</summary>
    public string? ApiBase { get; set; }
    /// <summary>The signing secret of the webhook endpoint (whsec_…), to verify <c>/webhooks/stripe</c>.</summary>
    public string? WebhookSecret { get; set; }
    /// <summary>How long one call to Stripe may take before its outcome counts as unknown.</summary>
    public int TimeoutSeconds { get; set; } = 30;
    /// <summary>Stripe.net's own retries of failed network calls (safe: every call carries an idempotency key).</summary>
    public int MaxNetworkRetries { get; set; } = 2;
    /// <summary>How far a webhook's signature time may be from ours.</summary>
    public int WebhookToleranceSeconds { get; set; } = 300;

    public bool IsTestMode => SecretKey?.Contains("_test_", StringComparison.Ordinal) ?? false;
}
