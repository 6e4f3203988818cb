using System.Text.Json;
using Canopy.Accounts;
using Canopy.Idempotency;
using Canopy.Ledger;
using Canopy.Notifications;
using Canopy.Payments;
using Canopy.Outbox;

namespace Canopy.Ordering;

/// <summary>
/// The one ordering core of both dialects. Price (<see cref="OrderPricer"/>: cached catalogue and caller context, no
/// query) → check how it is paid → build every row in the app → hand them to the <see cref="IOrderStore"/>, which commits
/// the idempotency claim, the spend or receivable posting, the order, its allocations, its ledger transaction, its outbox
/// messages, the per-account totals and the stored answer together (PostgreSQL: one round trip).
/// </summary>
public sealed class OrderService(
    OrderPricer pricer,
    IOrderStore store,
    IdempotencyStore idempotency,
    LedgerService ledger,
    LedgerAccounts ledgerAccounts,
    CardPayments cards,
    TimeProvider time,
    OrderMetrics metrics)
{
    /// <summary>
    /// Places (or previews) an order. With an <c>Idempotency-Key</c> on the command, <paramref name="render"/> turns the
    /// placed order into the exact answer the dialect sends; it is stored in the order's own transaction. Refusals are
    /// returned, not stored: the dialect stores their answers (<see cref="IdempotencyStore.StoreAsync"/>).
    /// </summary>
    public async Task<OrderOutcome> PlaceAsync(OrderCommand cmd, Func<PlacedOrder, StoredAnswer>? render, CancellationToken ct)
    {
        var outcome = await PlaceUnmeteredAsync(cmd, render, ct);
        metrics.Record(cmd, outcome);
        return outcome;
    }

    private async Task<OrderOutcome> PlaceUnmeteredAsync(OrderCommand cmd, Func<PlacedOrder, StoredAnswer>? render, CancellationToken ct)
    {
        var (priced, error) = await pricer.PriceAsync(cmd, PricingPurpose.Order, ct);
        if (error is not null) return new OrderOutcome.Failed(error);
        var p = priced!;
        var cents = p.PriceUsdCents;

        if (p.Mode == OrderMode.Preview)
        {
            long? remaining = null;
            if (p.Payment == PaymentMethod.Credits)
            {
                if (cents > OrderLimits.TestModeBalanceUsdCents)
                    return OrderOutcome.Fail(OrderErrorCode.InsufficientCredits, $"Insufficient credits: the order costs {cents} USD cents and the test balance is {OrderLimits.TestModeBalanceUsdCents}.");
                remaining = OrderLimits.TestModeBalanceUsdCents - cents;
            }
            return new OrderOutcome.Placed(new PlacedOrder(p, null, remaining), null);
        }

        if (p.Mode == OrderMode.Live)
        {
            if (p.Payment is null) return OrderOutcome.Fail(OrderErrorCode.BillingNotSetUp, "Billing not set up");
            if (p.Payment == PaymentMethod.Card && p.Account.CardPaymentMethod is null && cmd.PaidReference is null)
                return OrderOutcome.Fail(OrderErrorCode.NoCardOnFile, "No payment method on file for this account; the operator must add a card.");
        }

        if (cmd.DryRun)
        {
            long? remaining = p.Payment == PaymentMethod.Credits ? await ledger.CreditsBalanceAsync(cmd.Caller.AccountId, ct) - cents : null;
            if (remaining < 0)
                return OrderOutcome.Fail(OrderErrorCode.InsufficientCredits, $"Insufficient credits: the order costs {cents} USD cents and the balance is {remaining + cents}.");
            return new OrderOutcome.Placed(new PlacedOrder(p, null, remaining), null);
        }

        return await WriteAsync(cmd, p, render, ct);
    }

    private async Task<OrderOutcome> WriteAsync(OrderCommand cmd, PricedOrder p, Func<PlacedOrder, StoredAnswer>? render, CancellationToken ct)
    {
        var sandbox = p.Mode == OrderMode.Sandbox;
        var payment = p.Payment ?? PaymentMethod.Invoice; // the sandbox needs no billing set up
        var order = NewOrder(cmd, p, payment, sandbox);

        // A card is charged before the order's write, with its intent recorded first (CardPayments), and refunded if the
        // order does not commit. A retry with the key of a finished order is answered before any card is charged.
        string? chargeId = null;
        if (!sandbox && payment == PaymentMethod.Card && cmd.PaidReference is { } paid)
        {
            order.PaymentReference = paid;
        }
        else if (!sandbox && payment == PaymentMethod.Card)
        {
            if (cmd.Idempotency is { } key)
                switch (await idempotency.InspectAsync(key, ct))
                {
                    case ClaimState.Finished f: return new OrderOutcome.Replayed(f.Answer);
                    case ClaimState.Reused: return new OrderOutcome.KeyReused();
                    case ClaimState.InUse: return new OrderOutcome.KeyInUse();
                }
            var charged = await cards.ChargeAsync(new CardPaymentRequest
            {
                AccountId = order.AccountId, OrderPublicId = order.PublicId, ClientKey = cmd.Idempotency?.Key, AmountMinor = p.AmountCharged,
                Currency = p.Currency, CustomerId = p.Account.StripeCustomerId, PaymentMethodId = p.Account.CardPaymentMethod!,
                Description = $"Canopy order {order.OrderNumber}",
            }, ct);
            switch (charged.Conflict)
            {
                case KeyConflict.InUse: return new OrderOutcome.KeyInUse();
                case KeyConflict.Reused: return new OrderOutcome.KeyReused();
            }
            switch (charged.Charge.Status)
            {
                case ChargeStatus.Declined:
                    return OrderOutcome.Fail(OrderErrorCode.CardDeclined, charged.Charge.Message ?? "Your card was declined.");
                case ChargeStatus.AuthenticationRequired:
                    return OrderOutcome.Fail(OrderErrorCode.CardAuthenticationRequired, charged.Charge.Message ?? "Your card requires authentication.");
                case ChargeStatus.Unavailable:
                    return OrderOutcome.Fail(OrderErrorCode.PaymentUnavailable, charged.Charge.Message ?? "The payment processor is unavailable; try again shortly.");
            }
            order.PublicId = charged.OrderPublicId; // a retried key keeps its first order id (and so its Stripe idempotency key)
            chargeId = charged.Charge.ChargeId;
            order.PaymentReference = chargeId;
        }
        else if (!sandbox && payment == PaymentMethod.Credits)
        {
            order.PaymentReference = Guid.NewGuid().ToString();
        }

        // Ledger accounts are cached after their first use, so this costs no query on the hot path.
        LedgerPosting? posting = null;
        long? creditsAccount = null;
        if (!sandbox)
        {
            var source = payment switch
            {
                PaymentMethod.Credits => await ledgerAccounts.EnsureAsync(LedgerAccountKind.CustomerCredits, Chart.Currency, order.AccountId, ct),
                PaymentMethod.Card => await ledgerAccounts.EnsureAsync(LedgerAccountKind.StripeClearing, Chart.Currency, null, ct),
                PaymentMethod.Invoice => await ledgerAccounts.EnsureAsync(LedgerAccountKind.CustomerReceivable, Chart.Currency, order.AccountId, ct),
            };
            if (payment == PaymentMethod.Credits) creditsAccount = source;
            List<Leg> legs = [new Leg(source, -p.PriceUsdCents)];
            foreach (var g in order.Allocations.GroupBy(a => a.ProjectId))
                legs.Add(new Leg(await ledgerAccounts.EnsureAsync(LedgerAccountKind.ProjectPayable, Chart.Currency, g.Key, ct), g.Sum(a => a.PriceUsdCents)));
            posting = LedgerPosting.Create($"order:{order.PublicId}:payment", PostingKind.OrderPayment, order.AccountId, $"Order {order.OrderNumber}", legs, ledgerAccounts);
        }

        // The answer is rendered before the statements run; the credits left after the spend are filled in by the store.
        string? marker = null;
        StoredAnswer? answer = null;
        if (cmd.Idempotency is not null && render is not null)
        {
            marker = creditsAccount is null ? null : StoredAnswer.NewMarker();
            var remaining = marker is null ? (long?)null : long.Parse(marker, System.Globalization.CultureInfo.InvariantCulture);
            answer = render(new PlacedOrder(p, order, remaining));
        }

        var write = new OrderWrite
        {
            Order = order,
            Posting = posting,
            CreditsLedgerAccountId = creditsAccount,
            SpendCents = creditsAccount is null ? 0 : p.PriceUsdCents,
            Outbox = [.. OutboxFor(order)],
            CountsInTotals = order.Mode == TokenMode.Live,
            Claim = answer is null ? null : cmd.Idempotency,
            Answer = answer,
            BalanceMarker = marker,
        };

        OrderWriteResult result;
        try
        {
            // A client gone mid-write must not turn a committed order into a refund: the write is not cancellable.
            result = await store.WriteAsync(write, CancellationToken.None);
        }
        catch (Exception ex) when (chargeId is not null && cmd.Idempotency is not null && IsUniqueViolation(ex))
        {
            // A retry finishing the order of a key whose first request died after the charge (CardPayments) raced that
            // request, or another retry, and lost: the order with this id committed under the key. Nothing of ours was
            // written; the charge stays with that order, and the key answers as it does now.
            await cards.RefundUncommittedAsync(order.PublicId, CancellationToken.None);
            result = new OrderWriteResult.KeyTaken();
        }
        catch
        {
            if (chargeId is not null) await cards.RefundUncommittedAsync(order.PublicId, CancellationToken.None);
            throw;
        }
        if (result is not OrderWriteResult.Committed committed && chargeId is not null)
            await cards.RefundUncommittedAsync(order.PublicId, CancellationToken.None);

        switch (result)
        {
            case OrderWriteResult.Committed c:
                var placed = new PlacedOrder(p, order, c.CreditsBalance);
                return new OrderOutcome.Placed(placed, answer?.WithMarker(marker, c.CreditsBalance));
            case OrderWriteResult.InsufficientCredits i:
                return OrderOutcome.Fail(OrderErrorCode.InsufficientCredits, $"Insufficient credits: the order costs {p.PriceUsdCents} USD cents and the balance is {i.Balance}.");
            case OrderWriteResult.KeyInUse:
                return new OrderOutcome.KeyInUse();
            default:
                return await idempotency.InspectAsync(cmd.Idempotency!, ct) switch
                {
                    ClaimState.Finished f => new OrderOutcome.Replayed(f.Answer),
                    ClaimState.Reused => new OrderOutcome.KeyReused(),
                    ClaimState.InUse => new OrderOutcome.KeyInUse(),
                    // The record expired and was removed meanwhile: place the order now (a new id; nothing was written).
                    _ => await WriteAsync(cmd, p, render, ct),
                };
        }
    }

    private Order NewOrder(OrderCommand cmd, PricedOrder p, PaymentMethod payment, bool sandbox)
    {
        var now = time.GetUtcNow().UtcDateTime;
        var order = new Order
        {
            PublicId = cmd.PublicId ?? Tokens.RandomString(12),
            OrderNumber = NewOrderNumber(),
            CertificateId = Tokens.RandomString(22),
            AccountId = cmd.Caller.AccountId,
            SubaccountId = cmd.Subaccount?.Id,
            TokenId = cmd.Caller.TokenId,
            Mode = sandbox ? TokenMode.Test : TokenMode.Live,
            Dialect = cmd.Dialect,
            Kind = p.Kind,
            State = OrderState.Placed,
            PortfolioId = p.Portfolio?.Id,
            ProjectId = p.Portfolio is null ? p.Project?.Id : null,
            Grams = p.Split.Grams,
            Trees = p.Trees,
            PriceUsdCents = p.PriceUsdCents,
            AmountCharged = sandbox ? 0 : p.AmountCharged,
            ChargeCurrency = p.Currency,
            PaymentMethod = payment,
            Note = cmd.Note,
            Metadata = cmd.Metadata,
            Description = cmd.Description,
            OnBehalfOfName = cmd.OnBehalfOfName,
            OnBehalfOfEmail = cmd.OnBehalfOfEmail,
            CallbackUrl = cmd.CallbackUrl,
            DistanceMeters = p.DistanceMeters,
            SendReceiptEmail = cmd.SendReceiptEmail,
            CheckoutSessionId = cmd.CheckoutSessionId,
            CreatedAt = now,
        };
        var projects = p.Portfolio is { } portfolio
            ? portfolio.Allocations.ToDictionary(a => a.ProjectId, a => a.Project!)
            : new Dictionary<long, Catalog.Project> { [p.Project!.Id] = p.Project };
        foreach (var part in p.Split.Parts.Where(x => x.Grams > 0 || x.Cents > 0))
        {
            order.Allocations.Add(new OrderAllocation
            {
                AccountId = order.AccountId, Mode = order.Mode, ProjectId = part.ProjectId, Grams = part.Grams,
                Trees = p.Kind == OrderKind.Tree ? p.Trees : 0, PriceUsdCents = part.Cents,
                Certified = projects[part.ProjectId] is { Certified: true, Kind: Catalog.ProjectKind.Offset } && p.Kind is OrderKind.Offset or OrderKind.Ride,
                CreatedAt = now,
            });
        }
        return order;
    }

    private static bool IsUniqueViolation(Exception ex) =>
        ex is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation }
        || ex is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 19 } // SQLITE_CONSTRAINT
        || (ex is Microsoft.EntityFrameworkCore.DbUpdateException && ex.InnerException is { } inner && IsUniqueViolation(inner));

    private static IEnumerable<OutboxMessage> OutboxFor(Order order)
    {
        var payload = JsonSerializer.Serialize(new { order_id = order.PublicId });
        var now = order.CreatedAt;
        // Every order is fulfilled: offset allocations retire credits; donations and trees need none and are fulfilled at once.
        yield return new OutboxMessage { AccountId = order.AccountId, Topic = OutboxTopics.FulfilOrder, Subject = order.PublicId, Payload = payload, CreatedAt = now, AvailableAt = now };
        if (order.SendReceiptEmail && order.Mode == TokenMode.Live)
            yield return new OutboxMessage { AccountId = order.AccountId, Topic = OutboxTopics.ReceiptEmail, Subject = order.PublicId, Payload = payload, CreatedAt = now, AvailableAt = now };
        if (order.CallbackUrl is not null)
            yield return new OutboxMessage { AccountId = order.AccountId, Topic = OutboxTopics.OrderCallback, Subject = order.PublicId, Payload = payload, CreatedAt = now, AvailableAt = now };
    }

    private static string NewOrderNumber()
    {
        var random = System.Security.Cryptography.RandomNumberGenerator.GetString("0123456789", 24);
        return $"{random[..5]}-{random[5..10]}-{random[10..15]}-{random[15..20]}-{random[20..24]}";
    }
}
