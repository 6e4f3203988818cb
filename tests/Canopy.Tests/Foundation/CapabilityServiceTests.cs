using Canopy.Accounts;
using Canopy.Catalog;
using Canopy.Data;
using Canopy.Platform;
using Canopy.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Canopy.Tests.Foundation;

/// <summary>
/// The capability services hold their rules themselves, for surfaces (a console, a dashboard) that call them without
/// the operator API's or a dialect's wire validators in front: what the HTTP tests cannot reach.
/// </summary>
public abstract class CapabilityServiceTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task APortfolioWhoseFractionsDoNotSumToOneIsRefusedByTheCatalogue()
    {
        using var scope = app.Services.CreateScope();
        var writes = scope.ServiceProvider.GetRequiredService<CatalogWrites>();
        var result = await writes.CreatePortfolioAsync(new NewPortfolio("not-whole", "Not whole", null, null, null,
            [new PortfolioShare("p-one", 0.5m), new PortfolioShare("p-two", 0.4m)], IsDefault: false), Ct);
        var invalid = Assert.IsType<WriteFailure.Invalid>(result.Failure);
        Assert.Equal(["The fractions must sum to exactly 1 (they sum to 0.9)."], invalid.Errors["allocations"]);
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        Assert.False(await db.Portfolios.AnyAsync(p => p.PublicId == "not-whole", Ct));
    }

    [Fact]
    public async Task ATreeProjectPricedPerTonneIsRefusedByTheCatalogue()
    {
        using var scope = app.Services.CreateScope();
        var writes = scope.ServiceProvider.GetRequiredService<CatalogWrites>();
        var result = await writes.CreateProjectAsync(new NewProject("tree-per-tonne", ProjectKind.Tree,
            new ProjectFields { Name = "Mangroves", CostPerTonUsdCents = 1_000 }), Ct);
        var invalid = Assert.IsType<WriteFailure.Invalid>(result.Failure);
        Assert.Equal([CatalogRules.TreeNotPerTon], invalid.Errors["cost_per_ton_usd_cents"]);
        Assert.Equal([CatalogRules.TreeRequired], invalid.Errors["cost_per_tree_usd_cents"]);
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        Assert.False(await db.Projects.AnyAsync(p => p.PublicId == "tree-per-tonne", Ct));
    }

    [Fact]
    public async Task ASubaccountNameLongerThan512IsRefusedAndNothingIsWritten()
    {
        var account = await app.CreateAccountAsync();
        using var scope = app.Services.CreateScope();
        var subaccounts = scope.ServiceProvider.GetRequiredService<SubaccountService>();
        var result = await subaccounts.CreateAsync(new SubaccountScope(account.Id, TokenMode.Live), new SubaccountFields(new string('n', 513), null, null), Ct);
        var invalid = Assert.IsType<WriteFailure.Invalid>(result.Failure);
        Assert.True(invalid.Errors.ContainsKey("name"));
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        Assert.False(await db.Subaccounts.AnyAsync(s => s.AccountId == account.Id, Ct));
    }

    [Fact]
    public async Task ATopUpForAnUnknownAccountIsNotFoundAndPostsNothing()
    {
        using var scope = app.Services.CreateScope();
        var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
        var result = await accounts.AddCreditsAsync(long.MaxValue, new TopUp(1_000, null, "unknown-account"), Ct);
        Assert.Equal(new WriteFailure.NotFound("account"), result.Failure);
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        Assert.False(await db.LedgerTransactions.AnyAsync(t => t.Key == $"topup:{long.MaxValue}:unknown-account", Ct));
    }
}

public sealed class CapabilityServiceTestsOnSqlite(SqliteApp app) : CapabilityServiceTests(app), IClassFixture<SqliteApp>;

public sealed class CapabilityServiceTestsOnPostgres(PostgresApp app) : CapabilityServiceTests(app), IClassFixture<PostgresApp>;
