using Canopy.Accounts;

namespace Canopy.Tests.Unit;

public sealed class ImpactSlugTests
{
    [Theory]
    [InlineData("Acme Ltd", "acme-ltd-")]
    [InlineData("  Zoë & Café — Ørsted  ", "zoe-cafe-orsted-")]
    [InlineData("Ťùý Łódź", "tuy-lodz-")]
    [InlineData("東京", "impact-")]
    [InlineData("<script>", "script-")]
    public void GeneratedSlugIsTheNamesLettersPlusEightRandomCharacters(string name, string stem)
    {
        var slug = ImpactSlugs.FromName(name);
        Assert.StartsWith(stem, slug, StringComparison.Ordinal);
        Assert.Equal(stem.Length + 8, slug.Length);
        Assert.Matches(ImpactSlugs.Pattern, slug);
        Assert.NotEqual(slug, ImpactSlugs.FromName(name));
    }

    [Fact]
    public void ALongNameStaysWithinTheSlugLimit()
    {
        var slug = ImpactSlugs.FromName(new string('a', 500));
        Assert.True(slug.Length <= 100);
        Assert.Matches(ImpactSlugs.Pattern, slug);
    }
}
