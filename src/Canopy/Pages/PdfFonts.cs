using PdfSharp.Fonts;
using PdfSharp.WPFonts;

namespace Canopy.Pages;

/// <summary>
/// The PDF's typeface: the Segoe WP faces that ship inside PDFsharp's own (MIT) package, so that certificates render the
/// same on any machine, with no system fonts installed and nothing downloaded.
/// </summary>
internal sealed class PdfFonts : IFontResolver
{
    public const string Family = "Canopy Sans";
    private const string Regular = "CanopySans";
    private const string Bold = "CanopySans-Bold";
    private static readonly Lock Gate = new();

    /// <summary>PDFsharp's font resolver is process-wide and may be set only once.</summary>
    public static void EnsureRegistered()
    {
        lock (Gate)
        {
            GlobalFontSettings.FontResolver ??= new PdfFonts();
        }
    }

    public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
        new(bold ? Bold : Regular, false, italic);

    public byte[]? GetFont(string faceName) => faceName == Bold ? FontDataHelper.SegoeWPBold : FontDataHelper.SegoeWP;
}
