using Canopy.Catalog;
using Canopy.Ledger;

namespace Canopy.Tests.Unit;

public sealed class LargestRemainderTests
{
    [Fact]
    public void PartsSumToTheWholeForAwkwardFractions()
    {
        var parts = LargestRemainder.Split(100, [333_333L, 333_333L, 333_334L]);
        Assert.Equal(100, parts.Sum());
        Assert.Equal([33L, 33L, 34L], parts);
    }

    [Fact]
    public void TiesGoToTheEarlierWeight()
    {
        Assert.Equal([1L, 1L, 0L], LargestRemainder.Split(2, [1L, 1L, 1L]));
        Assert.Equal([34L, 33L, 33L], LargestRemainder.Split(100, [1L, 1L, 1L]));
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(7L)]
    [InlineData(999_999L)]
    [InlineData(1_000_000_007L)]
    [InlineData(10_000_000_000_000L)]
    public void AnyTotalSplitsExactlyOverAPrimeHeavyPortfolio(long total)
    {
        long[] weights = [209_900, 142_857, 285_714, 1, 361_528];
        Assert.Equal(1_000_000, weights.Sum());
        var parts = LargestRemainder.Split(total, weights);
        Assert.Equal(total, parts.Sum());
        for (var i = 0; i < weights.Length; i++)
        {
            var exact = (decimal)total * weights[i] / 1_000_000m;
            Assert.InRange(parts[i], Math.Floor(exact), Math.Floor(exact) + 1);
        }
    }

    [Fact]
    public void ZeroTotalGivesZeroParts() => Assert.Equal([0L, 0L], LargestRemainder.Split(0, [1L, 2L]));

    [Fact]
    public void NegativeOrEmptyInputIsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => LargestRemainder.Split(-1, [1L]));
        Assert.Throws<ArgumentException>(() => LargestRemainder.Split(1, ReadOnlySpan<long>.Empty));
        Assert.Throws<ArgumentException>(() => LargestRemainder.Split(1, [0L, 0L]));
    }
}

public sealed class PricingTests
{
    private static readonly Share[] ThreeWay =
    [
        new(1, 333_333, 980),     // $9.80 / t
        new(2, 333_333, 15_000),  // $150 / t
        new(3, 333_334, 30_000),  // $300 / t
    ];

    [Fact]
    public void PriceIsRoundedUpOnceForTheOrderAndSplitExactly()
    {
        var split = Pricing.ForGrams(ThreeWay, 1_000); // one kg
        Assert.Equal(1_000, split.Parts.Sum(p => p.Grams));
        Assert.Equal([333L, 333L, 334L], split.Parts.Select(p => p.Grams));
        // exact value: (333×980 + 333×15000 + 334×30000) / 1e6 = 15.34134 cents → 16
        Assert.Equal(16, split.Cents);
        Assert.Equal(16, split.Parts.Sum(p => p.Cents));
    }

    [Fact]
    public void OneGramOfACheapProjectCostsOneCent()
    {
        var split = Pricing.ForGrams([new Share(1, 1_000_000, 980)], 1);
        Assert.Equal(1, split.Cents);
    }

    [Fact]
    public void ExactTonnesHaveNoRoundingCost()
    {
        var split = Pricing.ForGrams([new Share(1, 500_000, 1_000), new Share(2, 500_000, 3_000)], 2_000_000);
        Assert.Equal(4_000, split.Cents);
        Assert.Equal([1_000L, 3_000L], split.Parts.Select(p => p.Cents));
    }

    [Theory]
    [InlineData(100L)]
    [InlineData(101L)]
    [InlineData(2_350L)]
    [InlineData(99_999L)]
    public void ByBudgetBuysTheMostGramsThatFitTheBudget(long budget)
    {
        var split = Pricing.ForBudget(ThreeWay, budget);
        Assert.True(split.Cents <= budget);
        Assert.True(Pricing.ForGrams(ThreeWay, split.Grams + 1).Cents > budget);
        Assert.Equal(split.Grams, split.Parts.Sum(p => p.Grams));
        Assert.Equal(split.Cents, split.Parts.Sum(p => p.Cents));
    }

    [Fact]
    public void TreesArePricedExactly() => Assert.Equal(4_500, Pricing.ForTrees(30, 150));

    [Fact]
    public void HugeQuantitiesStayExact()
    {
        var split = Pricing.ForGrams(ThreeWay, Pricing.MaxGrams);
        Assert.Equal(Pricing.MaxGrams, split.Parts.Sum(p => p.Grams));
        Assert.Equal(split.Cents, split.Parts.Sum(p => p.Cents));
    }

    [Fact]
    public void AnAgreedPriceIsSplitInProportionToThePartsPricesAndSumsExactly()
    {
        var now = new PricedSplit(100_000, 475, [new PricedPart(1, 25_000, 25), new PricedPart(2, 75_000, 450)]);
        var agreed = Pricing.AtAgreedPrice(now, 250);
        Assert.Equal((100_000L, 250L), (agreed.Grams, agreed.Cents));
        Assert.Equal([(1L, 25_000L, 13L), (2L, 75_000L, 237L)], agreed.Parts.Select(p => (p.ProjectId, p.Grams, p.Cents)));
        // Parts that cost nothing now share the agreed price by their grams.
        var free = Pricing.AtAgreedPrice(new PricedSplit(3, 0, [new PricedPart(1, 1, 0), new PricedPart(2, 2, 0)]), 10);
        Assert.Equal([3L, 7L], free.Parts.Select(p => p.Cents));
    }
}
