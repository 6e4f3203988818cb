using System.Diagnostics.Metrics;
using Canopy.Kernel;
using Canopy.Platform;

namespace Canopy.Ordering;

/// <summary>
/// Orders as an operator watches them, recorded once per order request by the ordering core: how many, through
/// which dialect, of what kind, paid how, and how each ended; and what they were worth (docs/operations.md).
/// </summary>
public sealed class OrderMetrics
{
    private readonly Counter<long> _orders;
    private readonly Histogram<long> _amount;
    private readonly Histogram<long> _mass;

    public OrderMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(CanopyMeter.Name);
        _orders = meter.CreateCounter<long>("canopy.orders", "{order}",
            "Order requests by dialect, kind, payment method and outcome (placed, test, dry_run, replayed, key_in_use, key_reused, or the refusal's code).");
        _amount = meter.CreateHistogram<long>("canopy.order.amount", "{usd_cent}", "Price of each placed live order in USD cents.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000] });
        _mass = meter.CreateHistogram<long>("canopy.order.mass", "g", "CO₂e of each placed live order in grams (trees count 0).",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000] });
    }

    public void Record(OrderCommand cmd, OrderOutcome outcome)
    {
        var dialect = new KeyValuePair<string, object?>("dialect", cmd.Dialect == Dialect.Wren ? "wren" : "cnaught");
        if (outcome is OrderOutcome.Placed { Order: var placed })
        {
            var p = placed.Priced;
            var kind = new KeyValuePair<string, object?>("kind", p.Kind.ToString().ToLowerInvariant());
            var method = new KeyValuePair<string, object?>("payment_method", (p.Payment ?? PaymentMethod.Invoice).ToString().ToLowerInvariant());
            var result = placed.Order is null ? (cmd.DryRun ? "dry_run" : "test") : placed.Order.Mode == Canopy.Accounts.TokenMode.Test ? "test" : "placed";
            _orders.Add(1, dialect, kind, method, new("outcome", result));
            if (result == "placed")
            {
                _amount.Record(p.PriceUsdCents, dialect, kind, method);
                _mass.Record(placed.Split.Grams, dialect, kind, method);
            }
            return;
        }
        var outcomeName = outcome switch
        {
            OrderOutcome.Failed f => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(f.Error.Code.ToString()),
            OrderOutcome.Replayed => "replayed",
            OrderOutcome.KeyInUse => "key_in_use",
            OrderOutcome.KeyReused => "key_reused",
            _ => "other",
        };
        var choice = cmd.Payment switch { PaymentChoice.Card => "card", PaymentChoice.Credits => "credits", _ => "account_billing" };
        _orders.Add(1, dialect, new("kind", "unknown"), new("payment_method", choice), new("outcome", outcomeName));
    }
}
