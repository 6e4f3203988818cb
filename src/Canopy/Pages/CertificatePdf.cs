using Canopy.Ordering;
using PdfSharp;
using PdfSharp.Drawing;
using PdfSharp.Drawing.Layout;
using PdfSharp.Pdf;

namespace Canopy.Pages;

/// <summary>The certificate as an A4 PDF, drawn with PDFsharp (MIT). Text is the same as the page's.</summary>
internal static class CertificatePdf
{
    private const double Margin = 50;
    private static readonly XColor Green = XColor.FromArgb(0x1d, 0x6b, 0x40);
    private static readonly XColor Ink = XColor.FromArgb(0x17, 0x26, 0x1d);
    private static readonly XColor Muted = XColor.FromArgb(0x4a, 0x5a, 0x50);
    private static readonly XColor Warn = XColor.FromArgb(0x7a, 0x3d, 0x00);

    public static byte[] Render(CertificateView c, string pageUrl, DateTime generatedAt)
    {
        PdfFonts.EnsureRegistered();
        using var document = new PdfDocument();
        document.Info.Title = $"{c.Headline}: {c.Purchaser}";
        document.Info.Subject = $"{Plain(c.Quantity)} for {c.Purchaser}, order {c.OrderNumber}";
        document.Info.Author = "Canopy";
        document.Info.Creator = "Canopy";
        document.Info.CreationDate = generatedAt;

        var writer = new Writer(document);
        writer.Text(c.Headline, 26, bold: true, color: Green, center: true);
        writer.Gap(16);
        writer.Text("Presented to", 13, color: Muted, center: true);
        writer.Text(c.Purchaser, 28, bold: true, center: true);
        writer.Text("for", 13, color: Muted, center: true);
        writer.Text(Plain(c.Quantity), 22, bold: true, color: Green, center: true);
        if (c.DonationNote is { } donation) writer.Text(donation, 13, color: Muted, center: true);
        writer.Text($"Ordered on {Format.Date(c.CreatedAt)}", 12, center: true);
        if (!string.IsNullOrWhiteSpace(c.Description))
        {
            writer.Gap(8);
            writer.Text($"“{c.Description}”", 12, center: true);
        }
        if (c.State == OrderState.Cancelled)
        {
            writer.Gap(8);
            writer.Text("This order was cancelled" + (c.CancelledAt is { } at ? $" on {Format.Date(at)}" : "") + ". The certificate is no longer valid.", 13, bold: true, color: Warn, center: true);
        }
        if (c.Sandbox)
        {
            writer.Gap(8);
            writer.Text("Sandbox order: placed for testing. No credits were bought or retired.", 13, bold: true, color: Warn, center: true);
        }

        writer.Gap(20);
        writer.Text("Details", 15, bold: true, color: Green);
        writer.Field("State", c.StateText);
        if (c.FulfilledAt is { } fulfilled && c.State != OrderState.Cancelled) writer.Field("Fulfilled", Format.Date(fulfilled));
        if (c.PlacedBy is not null) writer.Field("Placed by", c.PlacedBy);
        writer.Field("Order number", c.OrderNumber);
        writer.Field("Certificate", c.CertificateId);

        if (c.Lines.Count > 0)
        {
            writer.Gap(14);
            writer.Text("Projects", 15, bold: true, color: Green);
            foreach (var line in c.Lines)
            {
                var amount = Plain(line.Amount(c.Kind));
                writer.Text($"{line.ProjectName} · {line.Share}{(amount != "—" ? " · " + amount : "")}", 12, bold: true);
                var about = string.Join(" · ", new[] { line.ProjectType, line.Location, line.Registry is null ? null : "Registry: " + line.Registry }.Where(s => s is not null));
                if (about.Length > 0) writer.Text(about, 10.5, color: Muted);
                if (line.Donation) writer.Text("A donation, not credits: no serial numbers.", 10.5, color: Muted);
                foreach (var r in line.Retirements)
                    writer.Text($"Vintage {r.Vintage}: serial numbers {r.SerialRange} ({Format.Mass(r.Grams)}{(r.Registry is not null ? ", " + r.Registry : "")})", 10.5);
                writer.Gap(4);
            }
        }

        writer.Gap(16);
        writer.Text($"Verify this certificate at {pageUrl}", 10, color: Muted);

        writer.Finish();
        using var stream = new MemoryStream();
        document.Save(stream, false);
        return stream.ToArray();
    }

    /// <summary>WinAnsi has no subscript two: "CO2" keeps the line WinAnsi-encoded, searchable and copyable in every reader.</summary>
    private static string Plain(string text) => text.Replace("CO₂", "CO2", StringComparison.Ordinal);

    /// <summary>Writes lines top to bottom, wrapping long text and starting a new page when one is full.</summary>
    private sealed class Writer
    {
        private readonly PdfDocument _document;
        private PdfPage _page = null!;
        private XGraphics _gfx = null!;
        private double _y;

        public Writer(PdfDocument document)
        {
            _document = document;
            NewPage();
        }

        private double Width => _page.Width.Point - 2 * Margin;

        private void NewPage()
        {
            _gfx?.Dispose();
            _page = _document.AddPage();
            _page.Size = PageSize.A4;
            _gfx = XGraphics.FromPdfPage(_page);
            _gfx.DrawRectangle(new XPen(Green, 2), 25, 25, _page.Width.Point - 50, _page.Height.Point - 50);
            _y = Margin + 10;
        }

        public void Gap(double points) => _y += points;

        /// <summary>Flushes the last page's drawing.</summary>
        public void Finish() => _gfx.Dispose();

        public void Field(string label, string value)
        {
            Text($"{label}: {Plain(value)}", 11.5);
        }

        public void Text(string text, double size, bool bold = false, XColor? color = null, bool center = false)
        {
            // WinAnsi keeps Latin text searchable and copyable in every reader; other scripts need the Unicode encoding.
            var encoding = IsWinAnsi(text) ? PdfFontEncoding.WinAnsi : PdfFontEncoding.Unicode;
            var font = new XFont(PdfFonts.Family, size, bold ? XFontStyleEx.Bold : XFontStyleEx.Regular, new XPdfFontOptions(encoding));
            var lineHeight = size * 1.3;
            var lines = Wrap(text, font);
            foreach (var line in lines)
            {
                if (_y + lineHeight > _page.Height.Point - Margin) NewPage();
                var rect = new XRect(Margin, _y, Width, lineHeight);
                _gfx.DrawString(line, font, new XSolidBrush(color ?? Ink), rect, center ? XStringFormats.TopCenter : XStringFormats.TopLeft);
                _y += lineHeight;
            }
        }

        private List<string> Wrap(string text, XFont font)
        {
            var lines = new List<string>();
            var current = "";
            foreach (var word in text.Split(' '))
            {
                var candidate = current.Length == 0 ? word : current + " " + word;
                if (current.Length > 0 && _gfx.MeasureString(candidate, font).Width > Width)
                {
                    lines.Add(current);
                    current = word;
                }
                else current = candidate;
                // A single word wider than the page (a long serial range, a URL) is cut.
                while (_gfx.MeasureString(current, font).Width > Width && current.Length > 1)
                {
                    var cut = current.Length - 1;
                    while (cut > 1 && _gfx.MeasureString(current[..cut], font).Width > Width) cut--;
                    lines.Add(current[..cut]);
                    current = current[cut..];
                }
            }
            if (current.Length > 0) lines.Add(current);
            return lines;
        }

        private static bool IsWinAnsi(string text) =>
            text.All(ch => ch < 0x80 || (ch >= 0xA0 && ch <= 0xFF) || "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ".Contains(ch, StringComparison.Ordinal));
    }
}
