using System.Text.Json.Serialization;

namespace Canopy.Wren;

// Wren's responses mix camelCase envelopes with snake_case rows; names are spelled out so the wire and the
// OpenAPI document agree whatever the serializer's defaults.

public sealed record WrenImpact(
    [property: JsonPropertyName("tons"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? Tons,
    [property: JsonPropertyName("trees"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Trees);

/// <summary>The answer to an offset, project or tree order. Fields that do not apply are omitted.</summary>
public sealed record WrenOrderResponse
{
    /// <summary>Card charge id (ch_…), a UUID for credits, test_oo_/test_po_/test_to_… in test mode, null for a dry run.</summary>
    [JsonPropertyName("id")] public string? Id { get; init; }
    /// <summary>In the charged currency's minor units (credits: USD cents).</summary>
    [JsonPropertyName("amountCharged")] public long AmountCharged { get; init; }
    [JsonPropertyName("currency")] public required string Currency { get; init; }
    [JsonPropertyName("tons"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public decimal? Tons { get; init; }
    [JsonPropertyName("portfolioId"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? PortfolioId { get; init; }
    [JsonPropertyName("projectId"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? ProjectId { get; init; }
    [JsonPropertyName("amountInUsdCents")] public long AmountInUsdCents { get; init; }
    [JsonPropertyName("impact"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public WrenImpact? Impact { get; init; }
    [JsonPropertyName("donation"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool Donation { get; init; }
    [JsonPropertyName("dryRun")] public bool DryRun { get; init; }
    [JsonPropertyName("note"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Note { get; init; }
    [JsonPropertyName("paymentMethod"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? PaymentMethod { get; init; }
    [JsonPropertyName("creditsRemaining"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? CreditsRemaining { get; init; }
    [JsonPropertyName("test"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public bool Test { get; init; }
}

public sealed record WrenTreePreviewResponse(
    [property: JsonPropertyName("amountOfTrees")] long AmountOfTrees,
    [property: JsonPropertyName("priceInUSD")] decimal PriceInUsd,
    [property: JsonPropertyName("priceInUserCurrency")] decimal PriceInUserCurrency,
    [property: JsonPropertyName("currency")] string Currency,
    [property: JsonPropertyName("test"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Test);

/// <summary>One project's share of one order, as Wren lists "offset orders".</summary>
public sealed record WrenOffsetOrderRow(
    [property: JsonPropertyName("id")] long Id,
    [property: JsonPropertyName("order_id")] string OrderId,
    [property: JsonPropertyName("tons")] decimal Tons,
    [property: JsonPropertyName("amount_paid_by_customer")] decimal AmountPaidByCustomer,
    [property: JsonPropertyName("note")] string? Note,
    [property: JsonPropertyName("portfolio_id")] long? PortfolioId,
    [property: JsonPropertyName("project_id")] long ProjectId,
    [property: JsonPropertyName("project_name")] string ProjectName,
    [property: JsonPropertyName("certified")] bool Certified,
    [property: JsonPropertyName("on_behalf_of_name")] string? OnBehalfOfName,
    [property: JsonPropertyName("created_at")] DateTime CreatedAt);

public sealed record WrenStats(
    [property: JsonPropertyName("totalTons")] decimal TotalTons,
    [property: JsonPropertyName("rank"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Rank,
    [property: JsonPropertyName("percentile"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] decimal? Percentile);

public sealed record WrenOffsetOrderList(
    [property: JsonPropertyName("offsetOrders")] IReadOnlyList<WrenOffsetOrderRow> OffsetOrders,
    [property: JsonPropertyName("uncertifiedOffsetOrders")] IReadOnlyList<WrenOffsetOrderRow> UncertifiedOffsetOrders,
    [property: JsonPropertyName("stats")] WrenStats Stats,
    [property: JsonPropertyName("test"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Test);

public sealed record WrenTreeOrderRow(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("amount_of_trees")] long AmountOfTrees,
    [property: JsonPropertyName("amount_charged")] long AmountCharged,
    [property: JsonPropertyName("currency")] string Currency,
    [property: JsonPropertyName("amount_paid_by_customer")] long AmountPaidByCustomer,
    [property: JsonPropertyName("project_id")] long? ProjectId,
    [property: JsonPropertyName("note")] string? Note,
    [property: JsonPropertyName("created_at")] DateTime CreatedAt);

public sealed record WrenTreeOrderList(
    [property: JsonPropertyName("treeOrders")] IReadOnlyList<WrenTreeOrderRow> TreeOrders,
    [property: JsonPropertyName("totalTrees")] long TotalTrees,
    [property: JsonPropertyName("test"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] bool Test);

/// <summary>One row of the public feed: one account's charge for one portfolio.</summary>
public sealed record WrenPublicOrderRow(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("tons")] decimal Tons,
    [property: JsonPropertyName("portfolio_id")] long? PortfolioId,
    [property: JsonPropertyName("portfolio_name")] string? PortfolioName,
    [property: JsonPropertyName("created_at")] DateTime CreatedAt);
