using System.Globalization;
using System.Text.Json;
using Canopy.Cnaught;
using Canopy.Kernel;
using Canopy.Platform;

namespace Canopy.Tests.Unit;

/// <summary>
/// The order list writes amounts and timestamps without a decimal division or a format string per value; these check
/// it writes exactly what the division and the format wrote before (and what the record's serialisation still shows).
/// </summary>
public sealed class NumberAndTimeFormatTests
{
    public static TheoryData<long> Grams =>
        [0, 1, 7, 10, 100, 999, 1_000, 1_001, 1_500, 10_000, 100_000, 123_456_789, 5_000_000_000, -1, -1_500, -1_000,
         long.MaxValue, long.MinValue + 1, long.MinValue];

    [Theory]
    [MemberData(nameof(Grams))]
    public void FromScaledIsTheTrimmedQuotient(long grams)
    {
        var expected = Decimals.Trim(grams / 1000m);
        var actual = Decimals.FromScaled(grams, 3);
        Assert.Equal(expected, actual);
        // Equal scale too: the serialiser writes 1.5 and 1.500 differently.
        Assert.Equal(JsonSerializer.Serialize(expected), JsonSerializer.Serialize(actual));
        Assert.Equal(expected.Scale, actual.Scale);
        // Tonnes (Wren) likewise.
        var tonnes = Decimals.Trim(grams / 1_000_000m);
        Assert.Equal((tonnes, tonnes.Scale), (Decimals.FromScaled(grams, 6), Decimals.FromScaled(grams, 6).Scale));
    }

    [Fact]
    public void KgIsGramsOverAThousand()
    {
        Assert.Equal(1m, CnaughtShapes.Kg(Canopy.Catalog.Pricing.GramsPerKg));
        Assert.Equal("0.001", CnaughtShapes.Kg(1).ToString(CultureInfo.InvariantCulture));
        Assert.Equal("2.5", CnaughtShapes.DistanceKm(2_500)!.Value.ToString(CultureInfo.InvariantCulture));
    }

    public static TheoryData<DateTime> Times =>
    [
        new DateTime(2026, 11, 28, 6, 28, 31, DateTimeKind.Utc).AddTicks(6_410_979),
        new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc),
        new DateTime(2026, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(9_999_999),
        new DateTime(1, 1, 1, 0, 0, 0, DateTimeKind.Utc),
        new DateTime(9999, 12, 31, 23, 59, 59, DateTimeKind.Utc).AddTicks(9_999_999),
        new DateTime(2026, 6, 1, 12, 0, 0, DateTimeKind.Unspecified).AddTicks(5),
    ];

    [Theory]
    [MemberData(nameof(Times))]
    public void TimestampIsSixTruncatedFractionalDigitsInUtc(DateTime time)
    {
        var expected = DateTime.SpecifyKind(time, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        Assert.Equal(expected, Json.Timestamp(time));
        Span<byte> buffer = stackalloc byte[Json.TimestampBuffer];
        Assert.Equal(expected, System.Text.Encoding.ASCII.GetString(Json.Timestamp(time, buffer)));
    }
}

public sealed class MassDisplayTests
{
    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData(999L)]
    [InlineData(250_000L)]
    [InlineData(1_234_567L)]
    [InlineData(10_000_000_000_000L)]
    public void ApisGiveEveryGram(long grams)
    {
        Assert.Equal(Canopy.Kernel.Decimals.Trim(grams / 1_000m), Canopy.Kernel.Mass.Kg(grams));
        Assert.Equal(Canopy.Kernel.Decimals.Trim(grams / 1_000_000m), Canopy.Kernel.Mass.Tonnes(grams));
    }

    [Theory]
    [InlineData(1L, "0.001 kg")]
    [InlineData(250_000L, "250 kg")]
    [InlineData(999_999L, "999.999 kg")]
    [InlineData(1_000_000L, "1 t")]
    [InlineData(1_500_999L, "1.5 t")]
    [InlineData(1_234_567_890L, "1,234.567 t")]
    public void PagesNeverShowMoreThanTheTruth(long grams, string shown) => Assert.Equal(shown, Canopy.Kernel.Mass.ForPeople(grams));
}
