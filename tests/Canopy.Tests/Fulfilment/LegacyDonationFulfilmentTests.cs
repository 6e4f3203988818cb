using Canopy.Outbox;
using System.Net;
using Canopy.Data;
using Canopy.Notifications;
using Canopy.Ordering;
using Canopy.Tests.Cnaught;
using Canopy.Tests.Infrastructure;
using Canopy.Tests.Pages;
using Canopy.Tests.Wren;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

namespace Canopy.Tests.Fulfilment;

/// <summary>
/// Donation orders placed before donations were fulfilled have no <c>order.fulfil</c> message and stayed placed. The
/// data migration <c>QueueLegacyDonationFulfilment</c> queues one for each such order (and for nothing else), and the
/// outbox then fulfils them.
/// </summary>
public abstract class LegacyDonationFulfilmentTests(CanopyApp app)
{
    private CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Migration = "QueueLegacyDonationFulfilment";

    [Fact]
    public async Task TheMigrationQueuesFulfilmentForPlacedDonationOrdersWithoutOneAndTheyAreFulfilled()
    {
        // A CNaught order whose portfolio is all donation, a Wren donation project order, and an offset order that
        // waits for inventory: all three as an old release left them, with no fulfilment message.
        var donation = await app.CreateProjectAsync(1_000, kind: "donation", certified: false);
        var donationPortfolio = await app.CreatePortfolioAsync((donation.PublicId(), 1m));
        var donor = await app.CreateAccountAsync(creditsUsdCents: 10_000);
        await app.Admin().PatchJsonAsync($"/admin/accounts/{donor.Id}", new { billing = "invoice", default_portfolio_id = donationPortfolio.PublicId() });
        var cnaughtDonation = (await app.WithBearer(donor.LiveToken).PlaceOrderAsync(new { amount_kg = 10 }))["id"]!.GetValue<string>();
        await (await app.WithBasic(donor.LiveToken).PostJsonAsync("/api/project-orders", new { projectId = donation.WrenId(), amountInUsdCents = 500, paymentMethod = "credits" }))
            .ReadJsonAsync(HttpStatusCode.OK);
        var offset = await app.CreateProjectAsync(1_000);
        var offsetPortfolio = await app.CreatePortfolioAsync((offset.PublicId(), 1m));
        var waiting = await app.CreateAccountAsync();
        await app.Admin().PatchJsonAsync($"/admin/accounts/{waiting.Id}", new { billing = "invoice", default_portfolio_id = offsetPortfolio.PublicId() });
        var offsetOrder = (await app.WithBearer(waiting.LiveToken).PlaceOrderAsync(new { amount_kg = 10 }))["id"]!.GetValue<string>();

        string wrenDonation;
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
            wrenDonation = await db.Orders.Where(o => o.AccountId == donor.Id && o.PublicId != cnaughtDonation).Select(o => o.PublicId).SingleAsync(Ct);
            string[] legacy = [cnaughtDonation, wrenDonation, offsetOrder];
            var ids = await db.OutboxMessages.Where(m => m.Topic == OutboxTopics.FulfilOrder && legacy.Contains(m.Subject)).Select(m => m.Id).ToListAsync(Ct);
            await db.OutboxAttempts.Where(a => ids.Contains(a.MessageId)).ExecuteDeleteAsync(Ct);
            Assert.Equal(3, await db.OutboxMessages.Where(m => ids.Contains(m.Id)).ExecuteDeleteAsync(Ct));
        }
        await app.DrainOutboxAsync();
        Assert.Equal(OrderState.Placed, await StateAsync(cnaughtDonation));
        Assert.Equal(OrderState.Placed, await StateAsync(wrenDonation));

        await RunMigrationAgainAsync();
        Assert.Equal(1, await FulfilMessagesAsync(cnaughtDonation));
        Assert.Equal(1, await FulfilMessagesAsync(wrenDonation));
        Assert.Equal(0, await FulfilMessagesAsync(offsetOrder));

        await app.DrainOutboxAsync();
        Assert.Equal(OrderState.Fulfilled, await StateAsync(cnaughtDonation));
        Assert.Equal(OrderState.Fulfilled, await StateAsync(wrenDonation));
        Assert.Equal(OrderState.Placed, await StateAsync(offsetOrder));
        Assert.Equal("fulfilled", (await app.WithBearer(donor.LiveToken).GetJsonAsync($"/v1/orders/{cnaughtDonation}"))["state"]!.GetValue<string>());

        // Run again: orders that have a message (or are no longer placed) get no second one.
        await RunMigrationAgainAsync();
        Assert.Equal(1, await FulfilMessagesAsync(cnaughtDonation));
        Assert.Equal(1, await FulfilMessagesAsync(wrenDonation));
        await app.AssertLedgerSoundAsync();
    }

    /// <summary>Takes the data migration back (its Down changes nothing) and applies it again, as an upgrade would.</summary>
    private async Task RunMigrationAgainAsync()
    {
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CanopyDbContext>();
        var migrations = db.Database.GetMigrations().ToList();
        var at = migrations.FindIndex(m => m.EndsWith("_" + Migration, StringComparison.Ordinal));
        Assert.True(at > 0, "The data migration exists for this provider.");
        var migrator = db.GetService<IMigrator>();
        await migrator.MigrateAsync(migrations[at - 1], Ct);
        await migrator.MigrateAsync(null, Ct);
        Assert.Empty(await db.Database.GetPendingMigrationsAsync(Ct));
    }

    private async Task<OrderState> StateAsync(string publicId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<CanopyDbContext>().Orders.Where(o => o.PublicId == publicId).Select(o => o.State).SingleAsync(Ct);
    }

    private async Task<int> FulfilMessagesAsync(string publicId)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<CanopyDbContext>().OutboxMessages
            .CountAsync(m => m.Topic == OutboxTopics.FulfilOrder && m.Subject == publicId, Ct);
    }
}

public sealed class LegacyDonationFulfilmentTestsOnSqlite(SqliteApp app) : LegacyDonationFulfilmentTests(app), IClassFixture<SqliteApp>;

public sealed class LegacyDonationFulfilmentTestsOnPostgres(PostgresApp app) : LegacyDonationFulfilmentTests(app), IClassFixture<PostgresApp>;
