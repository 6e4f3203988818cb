using Canopy.Kernel;
using Canopy.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Canopy.Payments;

/// <summary><c>Payments:*</c> settings of the reconciler.</summary>
public sealed class ReconcilerOptions
{
    /// <summary>Whether this node runs the reconciler in the background (tests run it by hand).</summary>
    public bool ReconcilerEnabled { get; set; } = true;
    /// <summary>How old an unsettled intent must be before it is settled against the processor (orders in flight are younger).</summary>
    public int ReconcileAfterSeconds { get; set; } = 300;
    public int ReconcileIntervalSeconds { get; set; } = 60;
    /// <summary>
    /// How long a <c>pending</c> intent must have been untouched before a retry with its key takes it over (asks the
    /// processor again with the same key): longer than a processor call with its retries can take.
    /// </summary>
    public int OrphanedIntentSeconds { get; set; } = 120;
}

/// <summary>
/// Settles every card intent whose outcome is open (pending after a crash, unknown after a timeout, charged but
/// without an order) once it is older than <see cref="ReconcilerOptions.ReconcileAfterSeconds"/>: if its order
/// committed, the intent is completed; if the processor charged without an order, the charge is refunded; if the
/// processor has no charge, the intent failed. A charge is never forgotten: an intent the processor cannot speak for
/// now is tried again next pass.
/// </summary>
public sealed class PaymentReconciler(IServiceScopeFactory scopes, ICardProcessor cards, IChargedOrders orders, TimeProvider time,
    IOptions<ReconcilerOptions> options, ILogger<PaymentReconciler> logger)
{
    /// <summary>Settles one batch of due intents; returns how many were settled.</summary>
    public async Task<int> RunOnceAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        var cutoff = time.GetUtcNow().UtcDateTime.AddSeconds(-options.Value.ReconcileAfterSeconds);
        var open = await db.Set<CardPaymentIntent>()
            // Untouched for the whole window too: an intent a retry just took over (CardPayments) is being settled by it.
            .Where(i => (i.Status == IntentStatus.Pending || i.Status == IntentStatus.Unknown || i.Status == IntentStatus.Succeeded)
                && i.CreatedAt <= cutoff && i.UpdatedAt <= cutoff)
            .OrderBy(i => i.CreatedAt).Take(100).ToListAsync(ct);
        var settled = 0;
        foreach (var intent in open)
        {
            var reference = await orders.FindAsync(db, intent.OrderPublicId, ct);
            if (reference is not null)
            {
                intent.Status = IntentStatus.Completed;
                intent.ChargeId ??= reference.PaymentReference;
            }
            else
            {
                var view = intent is { Status: IntentStatus.Succeeded, ChargeId: { } known }
                    ? new ProcessorChargeView(ProcessorChargeState.Charged, intent.ProcessorIntentId, known)
                    : await cards.FindChargeAsync(intent.OrderPublicId, intent.ProcessorKey, intent.ProcessorIntentId, ct);
                intent.ProcessorIntentId = view.IntentId ?? intent.ProcessorIntentId;
                switch (view.State)
                {
                    case ProcessorChargeState.Unknown:
                        continue;
                    case ProcessorChargeState.NotCharged:
                        intent.Status = IntentStatus.Failed;
                        intent.FailureCode ??= "not_charged";
                        break;
                    case ProcessorChargeState.Charged:
                        var chargeId = view.ChargeId ?? view.IntentId!;
                        try
                        {
                            await cards.RefundAsync(chargeId, intent.AmountMinor, $"{intent.ProcessorKey}:refund", ct);
                        }
                        catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                        {
                            logger.LogWarning(ex, "Refund of charge {ChargeId} without an order (order id {OrderId}) failed; retried next pass", chargeId, intent.OrderPublicId);
                            continue;
                        }
                        intent.ChargeId = chargeId;
                        intent.Status = IntentStatus.Refunded;
                        logger.LogWarning("Card charge {ChargeId} had no order (order id {OrderId}): refunded", chargeId, intent.OrderPublicId);
                        break;
                }
            }
            intent.UpdatedAt = time.GetUtcNow().UtcDateTime;
            await db.SaveChangesAsync(CancellationToken.None);
            settled++;
        }
        return settled;
    }
}

internal sealed class PaymentReconcilerWorker(PaymentReconciler reconciler, IOptions<ReconcilerOptions> options, TimeProvider time,
    ILogger<PaymentReconcilerWorker> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        options.Value.ReconcilerEnabled
            ? PeriodicWork.RunAsync("Payment reconciliation", async ct => { await reconciler.RunOnceAsync(ct); return false; },
                () => TimeSpan.FromSeconds(Math.Max(1, options.Value.ReconcileIntervalSeconds)), time, logger, stoppingToken)
            : Task.CompletedTask;
}
