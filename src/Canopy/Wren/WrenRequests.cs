using System.Text.Json.Serialization;
using Canopy.Kernel;
using Canopy.Ordering;
using Canopy.Platform;
using FluentValidation;

namespace Canopy.Wren;

/// <summary>Fields every Wren order request shares.</summary>
public interface IWrenOrderFields : ICamelCaseRequest
{
    string? Note { get; }
    bool? DryRun { get; }
    bool? SendReceiptEmail { get; }
    string? PaymentMethod { get; }
    string? OnBehalfOfName { get; }
    string? OnBehalfOfEmail { get; }
}

// Names are spelled out so that the OpenAPI document shows Wren's camelCase (the document's default is snake_case).
public sealed record WrenOffsetOrderRequest(
    [property: JsonPropertyName("tons")] decimal? Tons,
    [property: JsonPropertyName("portfolioId")] long? PortfolioId,
    [property: JsonPropertyName("note")] string? Note,
    [property: JsonPropertyName("dryRun")] bool? DryRun,
    [property: JsonPropertyName("sendReceiptEmail")] bool? SendReceiptEmail,
    [property: JsonPropertyName("paymentMethod")] string? PaymentMethod,
    [property: JsonPropertyName("onBehalfOfName")] string? OnBehalfOfName,
    [property: JsonPropertyName("onBehalfOfEmail")] string? OnBehalfOfEmail) : IWrenOrderFields, IExampleRequest<WrenOffsetOrderRequest>
{
    public static WrenOffsetOrderRequest Example => new(0.5m, null, "Team offsite", null, null, "credits", null, null);
}

public sealed record WrenProjectOrderRequest(
    [property: JsonPropertyName("projectId")] long? ProjectId,
    [property: JsonPropertyName("amountInUsdCents")] long? AmountInUsdCents,
    [property: JsonPropertyName("note")] string? Note,
    [property: JsonPropertyName("dryRun")] bool? DryRun,
    [property: JsonPropertyName("sendReceiptEmail")] bool? SendReceiptEmail,
    [property: JsonPropertyName("paymentMethod")] string? PaymentMethod,
    [property: JsonPropertyName("onBehalfOfName")] string? OnBehalfOfName,
    [property: JsonPropertyName("onBehalfOfEmail")] string? OnBehalfOfEmail) : IWrenOrderFields, IExampleRequest<WrenProjectOrderRequest>
{
    public static WrenProjectOrderRequest Example => new(1, 1000, null, true, null, "credits", "Jane Doe", "jane@example.com");
}

public sealed record WrenTreeOrderRequest(
    [property: JsonPropertyName("amountOfTrees")] long? AmountOfTrees,
    [property: JsonPropertyName("note")] string? Note,
    [property: JsonPropertyName("dryRun")] bool? DryRun,
    [property: JsonPropertyName("sendReceiptEmail")] bool? SendReceiptEmail,
    [property: JsonPropertyName("paymentMethod")] string? PaymentMethod,
    [property: JsonPropertyName("onBehalfOfName")] string? OnBehalfOfName,
    [property: JsonPropertyName("onBehalfOfEmail")] string? OnBehalfOfEmail) : IWrenOrderFields, IExampleRequest<WrenTreeOrderRequest>
{
    public static WrenTreeOrderRequest Example => new(10, null, true, null, "credits", null, null);
}

public sealed record WrenTreePreviewRequest(
    [property: JsonPropertyName("amountOfTrees")] long? AmountOfTrees) : ICamelCaseRequest, IExampleRequest<WrenTreePreviewRequest>
{
    public static WrenTreePreviewRequest Example => new(10);
}

/// <summary>The rules of the optional fields all Wren orders share (the limits are the core's: <see cref="OrderRules"/>).</summary>
internal static class WrenOrderRules
{
    public static void AddCommon<T>(AbstractValidator<T> v) where T : IWrenOrderFields
    {
        v.RuleFor(x => x.Note).MaximumLength(OrderRules.MaxNote);
        v.RuleFor(x => x.PaymentMethod).OneOf(["stripe", "credits"])
            .WithMessage("'paymentMethod' must be \"stripe\" or \"credits\".");
        v.RuleFor(x => x.OnBehalfOfName).MaximumLength(OrderRules.MaxOnBehalfOfName);
        v.RuleFor(x => x.OnBehalfOfEmail).OrderEmail().When(x => !string.IsNullOrEmpty(x.OnBehalfOfEmail));
    }
}

internal sealed class WrenOffsetOrderValidator : AbstractValidator<WrenOffsetOrderRequest>
{
    public WrenOffsetOrderValidator()
    {
        RuleFor(x => x.Tons).NotNull().WithMessage("'tons' is required.").OrderTonnes()
            .WithMessage("'tons' must be at least one gram (0.000001).");
        RuleFor(x => x.PortfolioId).GreaterThan(0);
        WrenOrderRules.AddCommon(this);
    }
}

internal sealed class WrenProjectOrderValidator : AbstractValidator<WrenProjectOrderRequest>
{
    public WrenProjectOrderValidator()
    {
        RuleFor(x => x.ProjectId).NotNull().WithMessage("'projectId' is required.").GreaterThan(0);
        RuleFor(x => x.AmountInUsdCents).NotNull().WithMessage("'amountInUsdCents' is required.")
            .GreaterThanOrEqualTo(100).WithMessage("'amountInUsdCents' must be at least 100 (USD 1.00).")
            .AtMostOrderUsdCents();
        WrenOrderRules.AddCommon(this);
    }
}

internal sealed class WrenTreeOrderValidator : AbstractValidator<WrenTreeOrderRequest>
{
    public WrenTreeOrderValidator()
    {
        RuleFor(x => x.AmountOfTrees).NotNull().WithMessage("'amountOfTrees' is required.").GreaterThan(0)
            .WithMessage("'amountOfTrees' must be a positive integer.").AtMostOrderTrees();
        WrenOrderRules.AddCommon(this);
    }
}

internal sealed class WrenTreePreviewValidator : AbstractValidator<WrenTreePreviewRequest>
{
    public WrenTreePreviewValidator()
    {
        RuleFor(x => x.AmountOfTrees).NotNull().WithMessage("'amountOfTrees' is required.").GreaterThan(0)
            .WithMessage("'amountOfTrees' must be a positive integer.").AtMostOrderTrees();
    }
}
