using System.Buffers.Binary;

namespace Canopy.Accounts;

/// <summary>What an uploaded image is, read from its own structure rather than from its first bytes.</summary>
internal sealed record ImageInfo(string ContentType, int Width, int Height);

/// <summary>
/// Decodes enough of a PNG or JPEG to trust it as one: for PNG the signature, an IHDR with sane dimensions and every
/// chunk's length and CRC up to an IEND that ends the file; for JPEG the segment chain from SOI through a frame header
/// (dimensions) to the scan, and EOI at the very end. A file that starts like an image and continues as HTML (or
/// anything else a browser might sniff) is refused.
/// </summary>
internal static class ImageHeader
{
    /// <summary>The longest side accepted (CNaught's SDK uploads 7000×3000 in its own tests).</summary>
    public const int MaxDimension = 16_384;

    /// <summary>At most this many pixels: the image is decoded to make the served copy (4 bytes a pixel).</summary>
    public const long MaxPixels = 40_000_000;

    public static ImageInfo? Read(ReadOnlySpan<byte> b) =>
        b.StartsWith(PngSignature) ? ReadPng(b) : b.Length >= 4 && b[0] == 0xFF && b[1] == 0xD8 ? ReadJpeg(b) : null;

    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static ImageInfo? ReadPng(ReadOnlySpan<byte> b)
    {
        var at = PngSignature.Length;
        int width = 0, height = 0;
        var first = true;
        while (at + 12 <= b.Length)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(b[at..]);
            if (length > int.MaxValue || at + 12 + (long)length > b.Length) return null;
            var type = b.Slice(at + 4, 4);
            foreach (var c in type) if (!char.IsAsciiLetter((char)c)) return null;
            var data = b.Slice(at + 8, (int)length);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(b[(at + 8 + (int)length)..]);
            if (Crc32(b.Slice(at + 4, 4 + (int)length)) != crc) return null;
            if (first)
            {
                // IHDR comes first: width, height, bit depth, colour type, compression 0, filter 0, interlace 0 or 1.
                if (!type.SequenceEqual("IHDR"u8) || length != 13) return null;
                width = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(data), int.MaxValue);
                height = (int)Math.Min(BinaryPrimitives.ReadUInt32BigEndian(data[4..]), int.MaxValue);
                var (depth, colour) = (data[8], data[9]);
                var validDepth = colour switch
                {
                    0 => depth is 1 or 2 or 4 or 8 or 16,
                    3 => depth is 1 or 2 or 4 or 8,
                    2 or 4 or 6 => depth is 8 or 16,
                    _ => false,
                };
                if (!validDepth || data[10] != 0 || data[11] != 0 || data[12] > 1) return null;
                first = false;
            }
            at += 12 + (int)length;
            if (type.SequenceEqual("IEND"u8)) return at == b.Length && Sane(width, height) ? new ImageInfo("image/png", width, height) : null;
        }
        return null;
    }

    private static ImageInfo? ReadJpeg(ReadOnlySpan<byte> b)
    {
        // The entropy-coded scan that follows SOS is opaque; the file must still end with EOI.
        if (b[^2] != 0xFF || b[^1] != 0xD9) return null;
        var at = 2;
        int width = 0, height = 0;
        while (at + 4 <= b.Length)
        {
            if (b[at] != 0xFF) return null;
            var marker = b[at + 1];
            if (marker == 0xFF) { at++; continue; } // fill byte
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7)) { at += 2; continue; } // no length
            var length = BinaryPrimitives.ReadUInt16BigEndian(b[(at + 2)..]);
            if (length < 2 || at + 2 + length > b.Length) return null;
            var isFrame = marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;
            if (isFrame)
            {
                if (length < 8) return null;
                height = BinaryPrimitives.ReadUInt16BigEndian(b[(at + 5)..]);
                width = BinaryPrimitives.ReadUInt16BigEndian(b[(at + 7)..]);
            }
            if (marker == 0xDA) return Sane(width, height) ? new ImageInfo("image/jpeg", width, height) : null; // start of scan
            if (marker == 0xD9) return null; // EOI before any scan
            at += 2 + length;
        }
        return null;
    }

    private static readonly uint[] CrcTable = [.. Enumerable.Range(0, 256).Select(n =>
    {
        var c = (uint)n;
        for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        return c;
    })];

    /// <summary>The CRC-32 PNG puts after each chunk (ISO 3309, as in the PNG specification's sample code).</summary>
    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        var c = 0xFFFFFFFFu;
        foreach (var x in bytes) c = CrcTable[(c ^ x) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }

    private static bool Sane(int width, int height) =>
        width is > 0 and <= MaxDimension && height is > 0 and <= MaxDimension && (long)width * height <= MaxPixels;
}
