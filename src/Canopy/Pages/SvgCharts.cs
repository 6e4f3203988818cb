using System.Globalization;
using System.Net;
using System.Text;

namespace Canopy.Pages;

/// <summary>
/// Charts as inline SVG, drawn on the server (no script). Horizontal positions are percentages and there is no viewBox,
/// so the chart stretches to any width while its text keeps its size (readable on a phone, not huge on a desktop).
/// Built as text because Razor reserves the SVG &lt;text&gt; element; every label goes through <see cref="WebUtility.HtmlEncode(string)"/>.
/// </summary>
internal static class SvgCharts
{
    private const string Bar = "#2f8a56";
    private const string Ink = "#17261d";
    private const string Muted = "#4a5a50";

    /// <summary>One row per bar: the label on the left and the value on the right above a bar across the full width.</summary>
    public static string Horizontal(string id, string title, IReadOnlyList<ChartBar> bars)
    {
        const int row = 46;
        var max = Math.Max(1, bars.Count == 0 ? 1 : bars.Max(b => b.Value));
        var sb = Open(id, title, Math.Max(row, bars.Count * row), bars);
        for (var i = 0; i < bars.Count; i++)
        {
            var b = bars[i];
            var y = i * row;
            var percent = b.Value <= 0 ? 0 : Math.Max(0.5, 100.0 * b.Value / max);
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"{y + 16}\" font-size=\"15\" fill=\"{Ink}\">{E(b.Label)}</text>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"100%\" y=\"{y + 16}\" font-size=\"15\" font-weight=\"bold\" text-anchor=\"end\" fill=\"{Ink}\">{E(b.ValueText)}</text>");
            sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"0\" y=\"{y + 23}\" width=\"{N(percent)}%\" height=\"14\" rx=\"3\" fill=\"{Bar}\"></rect>");
        }
        return sb.Append("</svg>").ToString();
    }

    /// <summary>One column per period over a baseline, with a label every few periods (about six in all).</summary>
    public static string Columns(string id, string title, IReadOnlyList<ChartBar> bars)
    {
        const int height = 230, top = 26, baseline = 200;
        var max = Math.Max(1, bars.Count == 0 ? 1 : bars.Max(b => b.Value));
        var labelEvery = Math.Max(1, (int)Math.Ceiling(bars.Count / 6.0));
        var sb = Open(id, title, height, [.. bars.Where(b => b.Value > 0)]);
        sb.Append(CultureInfo.InvariantCulture, $"<line x1=\"0\" y1=\"{baseline}\" x2=\"100%\" y2=\"{baseline}\" stroke=\"{Muted}\" stroke-width=\"1\"></line>");
        if (bars.Count > 0)
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"14\" font-size=\"14\" fill=\"{Muted}\">Highest month: {E(bars.MaxBy(b => b.Value)!.ValueText)}</text>");
        var slot = bars.Count == 0 ? 100 : 100.0 / bars.Count;
        var column = Math.Min(8, slot * 0.7); // a few months must not make a wall
        for (var i = 0; i < bars.Count; i++)
        {
            var b = bars[i];
            var h = b.Value <= 0 ? 0 : Math.Max(2, (double)b.Value * (baseline - top) / max);
            sb.Append(CultureInfo.InvariantCulture,
                $"<rect x=\"{N(i * slot + (slot - column) / 2)}%\" y=\"{N(baseline - h)}\" width=\"{N(column)}%\" height=\"{N(h)}\" rx=\"2\" fill=\"{Bar}\"><title>{E(b.Label)}: {E(b.ValueText)}</title></rect>");
            if (i % labelEvery == 0)
                sb.Append(CultureInfo.InvariantCulture,
                    $"<text x=\"{N(i * slot + slot / 2)}%\" y=\"{baseline + 20}\" font-size=\"13\" text-anchor=\"middle\" fill=\"{Ink}\">{E(b.Label)}</text>");
        }
        return sb.Append("</svg>").ToString();
    }

    private static StringBuilder Open(string id, string title, int height, IReadOnlyList<ChartBar> described)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"100%\" height=\"{height}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\">");
        sb.Append(CultureInfo.InvariantCulture, $"<title id=\"{id}-title\">{E(title)}</title>");
        sb.Append(CultureInfo.InvariantCulture, $"<desc id=\"{id}-desc\">{E(string.Join("; ", described.Select(b => $"{b.Label}: {b.ValueText}")))}</desc>");
        return sb;
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static string N(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
}
