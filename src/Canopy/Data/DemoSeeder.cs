using Canopy.Accounts;
using Canopy.Catalog;
using Canopy.Ledger;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Data;

/// <summary>The demo catalogue and account written into an empty database at first start (<c>Canopy:SeedDemo</c>, default true).</summary>
internal static class DemoSeeder
{
    public sealed record DemoSecrets(long AccountId, string LiveToken, string TestToken);

    /// <summary>Seeds when the database has no projects and no accounts; returns the new tokens to print once.</summary>
    public static async Task<DemoSecrets?> SeedAsync(IServiceProvider services, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        var time = scope.ServiceProvider.GetRequiredService<TimeProvider>();
        var ledger = scope.ServiceProvider.GetRequiredService<LedgerService>();
        var ledgerAccounts = scope.ServiceProvider.GetRequiredService<LedgerAccounts>();
        if (await db.Projects.AnyAsync(ct) || await db.Accounts.AnyAsync(ct)) return null;
        var now = time.GetUtcNow().UtcDateTime;

        // All or nothing; when several nodes start on one empty database, the losers hit a unique id and skip.
        await using var seedTx = await db.Database.BeginTransactionAsync(ct);

        db.ProjectCategories.AddRange(
            new ProjectCategory { Id = "removal", Name = "Carbon removal", Description = "Projects that take CO₂ out of the atmosphere and store it durably.", CreatedAt = now },
            new ProjectCategory { Id = "nature", Name = "Nature-based", Description = "Forests and soils that store carbon and protect biodiversity.", CreatedAt = now },
            new ProjectCategory { Id = "policy", Name = "Policy and advocacy", Description = "Funding that changes the rules, not counted as offsets.", CreatedAt = now });
        var biochar = new Project
        {
            PublicId = "BIOCHR", Name = "Biochar from crop waste", Type = "Biochar", Kind = ProjectKind.Offset, CostPerTonUsdCents = 15_000,
            Certified = true, CertificationStatus = "Puro.earth certified", CategoryId = "removal", Developer = "Demo Biochar Co.",
            RegistryName = "Puro.earth", RegistryId = "PURO-001", LocationName = "Kenya", LocationLatitude = -0.0236, LocationLongitude = 37.9062,
            UnSdgGoals = "8,13,15", Summary = "Crop residues turned into stable biochar.", Description = "Agricultural waste that would be burned is pyrolysed into biochar and mixed into farm soil.", CreatedAt = now,
        };
        var forest = new Project
        {
            PublicId = "RAINFR", Name = "Rainforest protection in Peru", Type = "Rainforest protection", Kind = ProjectKind.Offset, CostPerTonUsdCents = 980,
            Certified = true, CertificationStatus = "Verra VCS", CategoryId = "nature", Developer = "Demo Forest Trust", RegistryName = "Verra",
            RegistryId = "VCS-1234", LocationName = "Madre de Dios, Peru", LocationLatitude = -12.59, LocationLongitude = -69.18, UnSdgGoals = "13,15",
            Summary = "Protecting standing rainforest from illegal logging.", Description = "Rangers and satellite monitoring protect forest concessions.", CreatedAt = now,
        };
        var weathering = new Project
        {
            PublicId = "ROCKWX", Name = "Enhanced rock weathering", Type = "Enhanced weathering", Kind = ProjectKind.Offset, CostPerTonUsdCents = 30_000,
            Certified = false, CertificationStatus = "Not yet certified", CategoryId = "removal", Developer = "Demo Minerals", LocationName = "Scotland, UK",
            UnSdgGoals = "13", Summary = "Crushed basalt spread on fields.", CreatedAt = now,
        };
        var policy = new Project
        {
            PublicId = "POLICY", Name = "Climate policy advocacy", Type = "Policy", Kind = ProjectKind.Donation, CostPerTonUsdCents = 1_000,
            Certified = false, CertificationStatus = "Not an offset", CategoryId = "policy", Summary = "Campaigns for carbon pricing.", CreatedAt = now,
        };
        var trees = new Project
        {
            PublicId = "TREES1", Name = "Community tree planting", Type = "Tree planting", Kind = ProjectKind.Tree, CostPerTreeUsdCents = 150,
            Certified = false, CertificationStatus = "Not an offset", CategoryId = "nature", Developer = "Demo Forests", LocationName = "Ethiopia",
            UnSdgGoals = "1,13,15", Summary = "Native trees planted with local communities.", CreatedAt = now,
        };
        db.Projects.AddRange(biochar, forest, weathering, policy, trees);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            return null;
        }

        db.Portfolios.AddRange(
            new Portfolio
            {
                PublicId = "CLIMFD", Name = "Climate Fund", IsDefault = true, CreatedAt = now,
                Summary = "A curated mix of removal, protection and policy.",
                Description = "Funds are split over projects weighted by their funding needs.",
                Allocations =
                [
                    new PortfolioAllocation { ProjectId = forest.Id, PartsPerMillion = 500_000, Position = 0 },
                    new PortfolioAllocation { ProjectId = biochar.Id, PartsPerMillion = 300_000, Position = 1 },
                    new PortfolioAllocation { ProjectId = weathering.Id, PartsPerMillion = 100_000, Position = 2 },
                    new PortfolioAllocation { ProjectId = policy.Id, PartsPerMillion = 100_000, Position = 3 },
                ],
            },
            new Portfolio
            {
                PublicId = "BIOONL", Name = "Biochar only", CreatedAt = now, Summary = "Durable removal only.",
                Allocations = [new PortfolioAllocation { ProjectId = biochar.Id, PartsPerMillion = 1_000_000, Position = 0 }],
            });
        db.CreditBatches.AddRange(
            new CreditBatch { ProjectId = biochar.Id, Vintage = 2024, RegistryName = "Puro.earth", SerialPrefix = "PURO-2024-", GramsIssued = 500_000_000, GramsAvailable = 500_000_000, CreatedAt = now },
            new CreditBatch { ProjectId = forest.Id, Vintage = 2023, RegistryName = "Verra", SerialPrefix = "VCS-2023-", GramsIssued = 5_000_000_000, GramsAvailable = 5_000_000_000, CreatedAt = now },
            new CreditBatch { ProjectId = weathering.Id, Vintage = 2025, SerialPrefix = "ERW-2025-", GramsIssued = 100_000_000, GramsAvailable = 100_000_000, CreatedAt = now });

        var account = new Account
        {
            Name = "Demo Company", Email = "demo@example.com", Billing = BillingMode.Invoice, CardPaymentMethod = "pm_card_visa",
            PublicFeedOptIn = true, ImpactSlug = "demo-company", HostedImpactPageEnabled = true,
            WebhookSecret = "whsec_" + Tokens.RandomString(32), CreatedAt = now,
        };
        db.Accounts.Add(account);
        await db.SaveChangesAsync(ct);

        var live = Tokens.NewSecret(TokenMode.Live);
        var test = Tokens.NewSecret(TokenMode.Test);
        db.ApiTokens.AddRange(
            new ApiToken { AccountId = account.Id, Kind = TokenKind.Team, Mode = TokenMode.Live, Name = "Demo live token", Hash = Tokens.Hash(live), Prefix = Tokens.DisplayPrefix(live), CreatedAt = now },
            new ApiToken { AccountId = account.Id, Kind = TokenKind.Team, Mode = TokenMode.Test, Name = "Demo test token", Hash = Tokens.Hash(test), Prefix = Tokens.DisplayPrefix(test), CreatedAt = now });
        try
        {
            await db.SaveChangesAsync(ct);
            await seedTx.CommitAsync(ct);
        }
        catch (DbUpdateException)
        {
            return null;
        }

        // Ledger accounts are created on their own connections, so only after the seed has committed.
        foreach (var p in new[] { biochar, forest, weathering, policy, trees })
            await ledgerAccounts.EnsureAsync(LedgerAccountKind.ProjectPayable, Chart.Currency, p.Id, ct);
        var credits = await ledgerAccounts.EnsureAsync(LedgerAccountKind.CustomerCredits, Chart.Currency, account.Id, ct);
        var funding = await ledgerAccounts.EnsureAsync(LedgerAccountKind.OperatorFunding, Chart.Currency, null, ct);
        await using (var tx = await db.Database.BeginTransactionAsync(ct))
        {
            await ledger.PostAsync("demo:initial-credits", PostingKind.CreditsTopup.Name(), Chart.Currency, account.Id, "Demo credits",
                [new Leg(credits, 50_000), new Leg(funding, -50_000)], ct);
            await db.SaveChangesAsync(ct);
            await tx.CommitAsync(ct);
        }
        return new DemoSecrets(account.Id, live, test);
    }
}
