using Canopy.Kernel;
using System.Globalization;
using System.Net;
using System.Text;
using Canopy.Accounts;
using Canopy.Catalog;
using Canopy.Data;
using Canopy.Ordering;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;
using Canopy.Outbox;

namespace Canopy.Notifications;

/// <summary>
/// Sends an order's receipt (outbox topic <c>email.receipt</c>, written with the order when the client asked for
/// one): to the account's email, with a plain-text and an HTML part showing the amount and currency, the tonnes or
/// trees, the projects and the certificate link. A failure is retried by the outbox like any other delivery. The
/// message id is derived from the order, so a repeated delivery is recognisable as the same receipt.
/// </summary>
internal sealed class ReceiptEmailHandler(CanopyDbContext db, CatalogCache catalog, IEmailSender sender, IOptions<SmtpOptions> smtp,
    IConfiguration config, ILogger<ReceiptEmailHandler> logger) : IOutboxHandler
{
    public string Topic => OutboxTopics.ReceiptEmail;

    public async Task HandleAsync(OutboxMessage message, CancellationToken ct)
    {
        var order = await db.Orders.AsNoTracking().Include(o => o.Allocations)
            .FirstOrDefaultAsync(o => o.PublicId == message.Subject && o.AccountId == message.AccountId, ct)
            ?? throw new InvalidOperationException($"Order {message.Subject} of the receipt does not exist.");
        var account = await db.Accounts.AsNoTracking().Where(a => a.Id == order.AccountId).Select(a => new { a.Name, a.Email }).FirstAsync(ct);
        if (string.IsNullOrWhiteSpace(account.Email))
        {
            logger.LogWarning("Account {AccountId} has no email: the receipt of order {OrderId} is not sent", order.AccountId, order.PublicId);
            return;
        }
        var receipt = Receipt.For(order, account.Name, await catalog.GetAsync(ct), config["Canopy:PublicBaseUrl"]);
        var mail = new MimeMessage();
        mail.From.Add(MailboxAddress.Parse(smtp.Value.From));
        mail.To.Add(new MailboxAddress(account.Name, account.Email));
        mail.Subject = receipt.Subject;
        mail.MessageId = $"receipt.{order.PublicId}@canopy";
        mail.Body = new BodyBuilder { TextBody = receipt.Text, HtmlBody = receipt.Html }.ToMessageBody();
        await sender.SendAsync(mail, ct);
    }
}

/// <summary>The words of a receipt, in text and HTML.</summary>
internal sealed record Receipt(string Subject, string Text, string Html)
{
    public static Receipt For(Order order, string accountName, CatalogSnapshot catalog, string? publicBaseUrl)
    {
        var amount = Money(order.AmountCharged, order.ChargeCurrency);
        // Offsets in tonnes, donations in money (their price): a donation's grams are never CO₂e.
        bool IsDonation(OrderAllocation a) => order.Kind == OrderKind.Donation || catalog.Projects.GetValueOrDefault(a.ProjectId)?.Kind == ProjectKind.Donation;
        var allocations = order.Allocations.Where(a => a.Grams > 0 || a.Trees > 0 || a.PriceUsdCents > 0).OrderBy(a => a.Id).ToList();
        var offsetGrams = allocations.Where(a => !IsDonation(a)).Sum(a => a.Grams);
        var donationCents = allocations.Where(IsDonation).Sum(a => a.PriceUsdCents);
        var donated = $"a donation of {Money(donationCents, Usd.Code)}";
        var what = order.Kind == OrderKind.Tree ? $"{order.Trees.ToString(CultureInfo.InvariantCulture)} trees"
            : offsetGrams == 0 ? donated
            : donationCents > 0 ? $"{Tonnes(offsetGrams)} tonnes CO₂e and {donated}"
            : $"{Tonnes(offsetGrams)} tonnes CO₂e";
        var certificate = $"{(publicBaseUrl ?? "").TrimEnd('/')}/certificates/{order.CertificateId}";
        var projects = allocations.Select(a => (
            Name: catalog.Projects.TryGetValue(a.ProjectId, out var p) ? p.Name : $"Project {a.ProjectId}",
            Amount: IsDonation(a) ? $"{Money(a.PriceUsdCents, Usd.Code)} donated"
                : order.Kind == OrderKind.Tree ? $"{a.Trees.ToString(CultureInfo.InvariantCulture)} trees"
                : $"{Tonnes(a.Grams)} t")).ToList();
        var method = order.PaymentMethod switch { PaymentMethod.Card => "card", PaymentMethod.Credits => "credits", PaymentMethod.Invoice => "invoice" };
        var date = order.CreatedAt.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"Thank you, {accountName}.\n\n")
            .Append(CultureInfo.InvariantCulture, $"Order {order.OrderNumber} ({order.PublicId}), {date}\n")
            .Append(CultureInfo.InvariantCulture, $"You bought {what} for {amount}, paid by {method}.\n");
        if (order.OnBehalfOfName is { } behalf) text.Append(CultureInfo.InvariantCulture, $"On behalf of: {behalf}\n");
        if (order.Note is { } note) text.Append(CultureInfo.InvariantCulture, $"Note: {note}\n");
        text.Append("\nProjects:\n");
        foreach (var (name, share) in projects) text.Append(CultureInfo.InvariantCulture, $"  - {name}: {share}\n");
        text.Append(CultureInfo.InvariantCulture, $"\nCertificate: {certificate}\n");

        static string E(string s) => WebUtility.HtmlEncode(s);
        var html = new StringBuilder()
            .Append("<!DOCTYPE html><html><body style=\"font-family:sans-serif\">")
            .Append(CultureInfo.InvariantCulture, $"<p>Thank you, {E(accountName)}.</p>")
            .Append(CultureInfo.InvariantCulture, $"<p>Order <strong>{E(order.OrderNumber)}</strong> ({E(order.PublicId)}), {E(date)}</p>")
            .Append(CultureInfo.InvariantCulture, $"<p>You bought <strong>{E(what)}</strong> for <strong>{E(amount)}</strong>, paid by {E(method)}.</p>");
        if (order.OnBehalfOfName is { } b) html.Append(CultureInfo.InvariantCulture, $"<p>On behalf of: {E(b)}</p>");
        if (order.Note is { } n) html.Append(CultureInfo.InvariantCulture, $"<p>Note: {E(n)}</p>");
        html.Append("<ul>");
        foreach (var (name, share) in projects) html.Append(CultureInfo.InvariantCulture, $"<li>{E(name)}: {E(share)}</li>");
        html.Append("</ul>").Append(CultureInfo.InvariantCulture, $"<p><a href=\"{E(certificate)}\">Your certificate</a></p></body></html>");

        return new Receipt($"Your Canopy receipt: order {order.OrderNumber}", text.ToString(), html.ToString());
    }

    /// <summary>Minor units as the currency writes them: 7500 USD → "75.00 USD", 745 JPY → "745 JPY".</summary>
    public static string Money(long minor, string currency)
    {
        var exponent = Currencies.Exponent(currency);
        var major = minor / (decimal)Math.Pow(10, exponent);
        return major.ToString("F" + exponent.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + " " + currency;
    }

    private static string Tonnes(long grams) => Canopy.Kernel.Mass.Tonnes(grams).ToString(CultureInfo.InvariantCulture);
}
