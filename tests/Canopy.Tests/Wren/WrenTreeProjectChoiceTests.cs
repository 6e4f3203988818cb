using System.Net;
using Canopy.Tests.Infrastructure;

namespace Canopy.Tests.Wren;

/// <summary>An operator chooses which tree project Wren's tree orders plant with (Canopy:TreeProjectId).</summary>
public abstract class TreeProjectChoiceApp : CanopyApp
{
    public const string ChosenId = "TREES-CHOSEN";

    protected override IEnumerable<KeyValuePair<string, string?>> ExtraSettings => [new("Canopy:TreeProjectId", ChosenId)];
}

public sealed class TreeProjectChoiceSqliteApp : TreeProjectChoiceApp
{
    public override Db Db => Db.Sqlite;
}

public sealed class TreeProjectChoicePostgresApp : TreeProjectChoiceApp
{
    public override Db Db => Db.Postgres;
}

public abstract class WrenTreeProjectChoiceTests(CanopyApp app)
{
    [Fact]
    public async Task TreeOrdersPlantWithTheConfiguredProjectWhileItIsActive()
    {
        var first = await app.CreateProjectAsync(150, kind: "tree");
        var chosen = await app.CreateProjectAsync(300, kind: "tree", id: TreeProjectChoiceApp.ChosenId);
        var account = await app.CreateAccountAsync(creditsUsdCents: 100_000);
        var client = app.WithBasic(account.LiveToken);

        var order = await client.PostJsonAsync("/api/tree-orders", new { amountOfTrees = 2, paymentMethod = "credits" }, HttpStatusCode.OK);
        Assert.Equal(chosen["wren_id"]!.GetValue<long>(), order["projectId"]!.GetValue<long>());
        Assert.Equal(600, order["amountCharged"]!.GetValue<long>());

        // Retired: the first active tree project takes over.
        await app.Admin().PatchJsonAsync($"/admin/projects/{TreeProjectChoiceApp.ChosenId}", new { active = false });
        var fallback = await client.PostJsonAsync("/api/tree-orders", new { amountOfTrees = 2, paymentMethod = "credits" }, HttpStatusCode.OK);
        Assert.Equal(first["wren_id"]!.GetValue<long>(), fallback["projectId"]!.GetValue<long>());
    }
}

public sealed class WrenTreeProjectChoiceTestsOnSqlite(TreeProjectChoiceSqliteApp app) : WrenTreeProjectChoiceTests(app), IClassFixture<TreeProjectChoiceSqliteApp>;

public sealed class WrenTreeProjectChoiceTestsOnPostgres(TreeProjectChoicePostgresApp app) : WrenTreeProjectChoiceTests(app), IClassFixture<TreeProjectChoicePostgresApp>;
