using Canopy.Catalog;
using Canopy.Data;
using Canopy.Outbox;
using Canopy.Platform;
using Microsoft.EntityFrameworkCore;

namespace Canopy.Fulfilment;

/// <summary>A batch of credits issued for an offset project (by its public id), in kilograms with at most 3 decimals.</summary>
public sealed record NewBatch(string ProjectId, int Vintage, decimal AmountKg, string? RegistryName, string? SerialPrefix, string? RegistryUrl);

/// <summary>A batch added, with its project's public id.</summary>
public sealed record BatchAdded(CreditBatch Batch, string ProjectId);

/// <summary>Adds credits to inventory; orders waiting for the project are served from them at once.</summary>
public sealed class InventoryService(CanopyDbContext db, OutboxProcessor outbox, TimeProvider time)
{
    public async Task<WriteResult<BatchAdded>> AddBatchAsync(NewBatch r, CancellationToken ct)
    {
        if (r.AmountKg <= 0 || r.AmountKg > Pricing.MaxGrams / Pricing.GramsPerKg)
            return new WriteFailure.Invalid("amount_kg", $"'amount_kg' must be more than 0 and at most {(Pricing.MaxGrams / Pricing.GramsPerKg).ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
        if (decimal.Round(r.AmountKg, 3) != r.AmountKg)
            return new WriteFailure.Invalid("amount_kg", "'amount_kg' has at most 3 decimal places (whole grams).");
        var project = await db.Projects.AsNoTracking().FirstOrDefaultAsync(p => p.PublicId == r.ProjectId, ct);
        if (project is null) return new WriteFailure.Invalid("project_id", $"There is no project '{r.ProjectId}'.");
        if (project.Kind != ProjectKind.Offset)
            return new WriteFailure.Invalid("project_id", "Only offset projects hold inventory of credits.");
        var grams = Ordering.OrderLimits.GramsFromKg(r.AmountKg); // whole grams only (checked above): rounding changes nothing
        var batch = new CreditBatch
        {
            ProjectId = project.Id,
            Vintage = r.Vintage,
            RegistryName = r.RegistryName ?? project.RegistryName,
            SerialPrefix = r.SerialPrefix,
            RegistryUrl = r.RegistryUrl,
            GramsIssued = grams,
            GramsAvailable = grams,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.CreditBatches.Add(batch);
        // Orders waiting for this project are served in order of arrival: queued with the batch, tried at once.
        var serve = InventoryReturned.Message([project.Id], batch.CreatedAt);
        db.OutboxMessages.Add(serve);
        await db.SaveChangesAsync(ct);
        await outbox.TryAsync(serve.Id, CancellationToken.None);
        return new BatchAdded(batch, project.PublicId);
    }
}
