using Canopy.Kernel;

namespace Canopy.Ledger;

/// <summary>
/// The ledger's chart (TigerBeetle's "ledger" and "code"): one currency, the kinds of account
/// (<see cref="LedgerAccountKind"/>) and the numbered kinds of movement (<see cref="PostingKind"/>).
/// </summary>
public static class Chart
{
    /// <summary>
    /// Every ledger account and transaction is in USD minor units: prices, credits, invoices and payouts are USD; a card
    /// charge in another currency is converted by payments before anything reaches the ledger.
    /// </summary>
    public const string Currency = Usd.Code;
}

/// <summary>What a transaction records. Numbered like a chart's transfer codes; stored and shown by <see cref="PostingKinds.Name"/>.</summary>
public enum PostingKind
{
    /// <summary>Credits granted or bought: operator funding → customer credits.</summary>
    CreditsTopup = 1,
    /// <summary>An order paid: credits, card clearing or receivable → project payables.</summary>
    OrderPayment = 2,
    /// <summary>A cancelled order's money going back: the reverse of its payment.</summary>
    OrderRefund = 3,
    /// <summary>A card dispute: the processor took the money back.</summary>
    CardDispute = 4,
    /// <summary>A month's receivable moved to the issued invoice.</summary>
    InvoiceIssue = 5,
    /// <summary>An invoice paid into the bank.</summary>
    InvoicePaid = 6,
    /// <summary>A month's project payables moved to the issued payout statement.</summary>
    PayoutIssue = 7,
    /// <summary>A payout paid out of the bank.</summary>
    PayoutPaid = 8,
}

public static class PostingKinds
{
    /// <summary>The name stored in <see cref="LedgerTransaction.Kind"/> and shown by the operator API.</summary>
    public static string Name(this PostingKind kind) => kind switch
    {
        PostingKind.CreditsTopup => "credits_topup",
        PostingKind.OrderPayment => "order_payment",
        PostingKind.OrderRefund => "order_refund",
        PostingKind.CardDispute => "card_dispute",
        PostingKind.InvoiceIssue => "invoice_issue",
        PostingKind.InvoicePaid => "invoice_paid",
        PostingKind.PayoutIssue => "payout_issue",
        PostingKind.PayoutPaid => "payout_paid",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
