using PdfSharp.Fonts;

namespace Canopy.Pages;

/// <summary>
/// The PDF's typeface: DejaVu Sans (regular and bold), shipped in <c>Pages/Fonts</c> (free licence beside it) as a
/// subset covering Latin with Vietnamese, Greek and Cyrillic, embedded in every certificate, so that names in those
/// scripts render the same on any machine, with no system fonts installed and nothing downloaded.
/// </summary>
internal sealed class PdfFonts : IFontResolver
{
    public const string Family = "Canopy Sans";
    private const string Regular = "DejaVuSans";
    private const string Bold = "DejaVuSans-Bold";
    private static readonly Lock Gate = new();
    private static readonly Lazy<byte[]> RegularBytes = new(() => Load(Regular));
    private static readonly Lazy<byte[]> BoldBytes = new(() => Load(Bold));

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

    public byte[]? GetFont(string faceName) => faceName == Bold ? BoldBytes.Value : RegularBytes.Value;

    private static byte[] Load(string face)
    {
        using var stream = typeof(PdfFonts).Assembly.GetManifestResourceStream($"canopy.fonts.{face}.ttf")
            ?? throw new InvalidOperationException($"The font {face} is not embedded in the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
