using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace Canopy.Accounts;

/// <summary>
/// The copy of an uploaded logo that pages and API answers link to: at most <see cref="MaxServedSide"/> pixels on the
/// long side, as PNG, without metadata (EXIF, ICC). Uploads may be as large as CNaught accepts (its SDK's own suite
/// sends 7000×3000); the original is kept beside the copy.
/// </summary>
internal static class LogoImages
{
    public const int MaxServedSide = 1024;

    // A decoded 40-megapixel image is 160 MB of RGBA: decode one at a time per node, on an allocator that refuses more.
    private static readonly SemaphoreSlim Turn = new(1, 1);

    private static readonly Configuration Decoding = CreateConfiguration();

    private static Configuration CreateConfiguration()
    {
        var c = Configuration.Default.Clone();
        c.MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions { AllocationLimitMegabytes = 256, MaximumPoolSizeMegabytes = 0 });
        return c;
    }

    /// <summary>The served copy of a well-formed PNG or JPEG (checked by <see cref="ImageHeader"/> before); null if it does not decode.</summary>
    public static async Task<byte[]?> DownscaleAsync(byte[] original, CancellationToken ct)
    {
        await Turn.WaitAsync(ct);
        try
        {
            using var image = Image.Load<Rgba32>(Decoding, original);
            image.Mutate(x => x.AutoOrient());
            if (image.Width > MaxServedSide || image.Height > MaxServedSide)
                image.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(MaxServedSide, MaxServedSide), Mode = ResizeMode.Max, Sampler = KnownResamplers.Lanczos3 }));
            image.Metadata.ExifProfile = null;
            image.Metadata.IccProfile = null;
            image.Metadata.IptcProfile = null;
            using var output = new MemoryStream();
            await image.SaveAsPngAsync(output, new PngEncoder { CompressionLevel = PngCompressionLevel.BestCompression }, ct);
            return output.ToArray();
        }
        catch (Exception ex) when (ex is ImageFormatException or InvalidImageContentException or UnknownImageFormatException or InvalidMemoryOperationException)
        {
            return null;
        }
        finally
        {
            Turn.Release();
        }
    }
}
