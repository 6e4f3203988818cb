using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Canopy.Tests.Cnaught;
using Canopy.Tests.Infrastructure;
using Canopy.Tests.Wren;
using PdfSharp.Pdf;
using PdfSharp.Pdf.Advanced;
using PdfSharp.Pdf.Content;
using PdfSharp.Pdf.Content.Objects;
using PdfSharp.Pdf.IO;

namespace Canopy.Tests.Pages;

/// <summary>
/// A certificate for a purchaser named in Cyrillic, Greek and Vietnamese: the PDF draws every character of the name
/// with a real glyph of the embedded font (no glyph 0, the "missing glyph" box), and the font's ToUnicode map gives
/// the name back as text.
/// </summary>
public abstract partial class PdfGlyphTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Name = "Жанна Ёлкина · Σοφία Παπαδοπούλου · Nguyễn Thị Ngọc Ánh";

    [GeneratedRegex(@"beginbfchar(.*?)endbfchar", RegexOptions.Singleline)]
    private static partial Regex BfCharSection();

    [GeneratedRegex(@"beginbfrange(.*?)endbfrange", RegexOptions.Singleline)]
    private static partial Regex BfRangeSection();

    [GeneratedRegex(@"<([0-9A-Fa-f]+)>")]
    private static partial Regex Hex();

    [Fact]
    public async Task NonLatinNamesAreDrawnWithRealGlyphsOfTheEmbeddedFont()
    {
        var c = await app.CreateCnaughtCustomerAsync(billing: "credits", credits: 100_000);
        var placed = await (await app.WithBasic(c.Account.LiveToken).PostJsonAsync("/api/offset-orders", new
        {
            tons = 0.01m, paymentMethod = "credits", onBehalfOfName = Name,
        })).ReadJsonAsync(HttpStatusCode.OK);
        var redirect = await app.WithBasic(c.Account.LiveToken).GetAsync($"/api/offset-orders/certificate/by-group/{placed["id"]!.GetValue<string>()}", Ct);
        var pdf = await app.Anonymous().GetByteArrayAsync(redirect.Headers.Location!.AbsolutePath + ".pdf", Ct);

        using var document = PdfReader.Open(new MemoryStream(pdf), PdfDocumentOpenMode.Import);
        var glyphs = new List<int>();
        var toUnicode = new Dictionary<int, string>();
        foreach (var page in document.Pages)
        {
            var fonts = page.Resources.Elements.GetDictionary("/Font")!;
            var unicodeFonts = new HashSet<string>(StringComparer.Ordinal);
            foreach (var key in fonts.Elements.Keys)
            {
                var font = (PdfDictionary)((PdfReference)fonts.Elements[key]!).Value;
                if (font.Elements.GetName("/Subtype") != "/Type0") continue;
                unicodeFonts.Add(key);
                var cmap = (PdfDictionary)((PdfReference)font.Elements["/ToUnicode"]!).Value;
                ReadToUnicode(System.Text.Encoding.ASCII.GetString(cmap.Stream.UnfilteredValue), toUnicode);
            }
            Collect(ContentReader.ReadContent(page), unicodeFonts, glyphs, null);
        }

        // The name's line is drawn in a Unicode (Type0) font, and not one of its glyphs is the missing-glyph box.
        Assert.NotEmpty(glyphs);
        Assert.DoesNotContain(0, glyphs);
        var drawn = string.Concat(glyphs.Select(g => toUnicode.GetValueOrDefault(g, "\uFFFD")));
        // Word by word: the name is wrapped over lines, each drawn on its own.
        foreach (var word in Name.Split(' '))
            Assert.Contains(word, drawn, StringComparison.Ordinal);
    }

    /// <summary>The CMap's bfchar pairs (glyph, text) and bfrange triples (first, last, text of the first).</summary>
    private static void ReadToUnicode(string cmap, Dictionary<int, string> map)
    {
        static int Int(string hex) => int.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        foreach (Match section in BfCharSection().Matches(cmap))
        {
            var hex = Hex().Matches(section.Groups[1].Value).Select(m => m.Groups[1].Value).ToList();
            for (var i = 0; i + 1 < hex.Count; i += 2) map[Int(hex[i])] = Utf16(hex[i + 1]);
        }
        foreach (Match section in BfRangeSection().Matches(cmap))
        {
            var hex = Hex().Matches(section.Groups[1].Value).Select(m => m.Groups[1].Value).ToList();
            for (var i = 0; i + 2 < hex.Count; i += 3)
                for (int g = Int(hex[i]), u = Int(hex[i + 2]); g <= Int(hex[i + 1]); g++, u++) map[g] = ((char)u).ToString();
        }
    }

    private static string Utf16(string hex) =>
        string.Concat(Enumerable.Range(0, hex.Length / 4).Select(i => (char)int.Parse(hex.AsSpan(i * 4, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture)));

    /// <summary>The glyph ids of every string shown in one of the Unicode fonts (two bytes each, Identity-H).</summary>
    private static string? Collect(CObject obj, HashSet<string> unicodeFonts, List<int> glyphs, string? font)
    {
        switch (obj)
        {
            case COperator { OpCode.Name: "Tf" } tf:
                return ((CName)tf.Operands[0]).Name;
            case COperator op when op.OpCode.Name is "Tj" or "TJ":
                if (font is not null && unicodeFonts.Contains(font))
                    foreach (var s in Strings(op.Operands))
                        for (var i = 0; i + 1 < s.Length; i += 2) glyphs.Add((s[i] << 8) | s[i + 1]);
                return font;
            case CSequence sequence:
                foreach (var item in sequence) font = Collect(item, unicodeFonts, glyphs, font);
                return font;
            default:
                return font;
        }
    }

    private static IEnumerable<string> Strings(CSequence operands)
    {
        foreach (var operand in operands)
        {
            if (operand is CString s) yield return s.Value;
            else if (operand is CArray array) foreach (var inner in Strings(array)) yield return inner;
        }
    }
}

public sealed class PdfGlyphTestsOnSqlite(SqliteApp app) : PdfGlyphTests(app), IClassFixture<SqliteApp>;

public sealed class PdfGlyphTestsOnPostgres(PostgresApp app) : PdfGlyphTests(app), IClassFixture<PostgresApp>;
