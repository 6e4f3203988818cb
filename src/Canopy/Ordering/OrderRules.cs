using FluentValidation;

namespace Canopy.Ordering;

/// <summary>
/// The order rules every dialect's validator states, once: the limits of <see cref="OrderLimits"/>, the one-gram minimum
/// (by the same rounding the core applies), and the lengths of the fields dialects share. The dialects keep their own
/// field names and wording (<c>.WithMessage</c> after a rule words that rule).
/// </summary>
public static class OrderRules
{
    public const int MaxNote = 1000;
    public const int MaxOnBehalfOfName = 200;
    /// <summary>The longest e-mail address anyone is asked to keep (RFC 5321's path limit, rounded as usual).</summary>
    public const int MaxEmail = 320;
    public const int MaxPortfolioId = 64;
    public const int MaxUrl = 2048;

    /// <summary>More than 0, at most <see cref="OrderLimits.MaxTonnes"/>, and at least one gram after rounding (the last rule).</summary>
    public static IRuleBuilderOptions<T, decimal?> OrderTonnes<T>(this IRuleBuilder<T, decimal?> rule) =>
        rule.GreaterThan(0).LessThanOrEqualTo(OrderLimits.MaxTonnes).Must(OrderLimits.AtLeastOneGramTonnes);

    /// <summary>More than 0, at most <see cref="OrderLimits.MaxKg"/>, and at least one gram after rounding (the last rule).</summary>
    public static IRuleBuilderOptions<T, decimal?> OrderKilograms<T>(this IRuleBuilder<T, decimal?> rule) =>
        rule.GreaterThan(0).LessThanOrEqualTo(OrderLimits.MaxKg).Must(OrderLimits.AtLeastOneGramKg);

    /// <summary>At most <see cref="OrderLimits.MaxUsdCents"/> (the lower bound is the dialect's).</summary>
    public static IRuleBuilderOptions<T, long?> AtMostOrderUsdCents<T>(this IRuleBuilder<T, long?> rule) =>
        rule.LessThanOrEqualTo(OrderLimits.MaxUsdCents);

    /// <summary>At most <see cref="OrderLimits.MaxTrees"/> (the lower bound is the dialect's).</summary>
    public static IRuleBuilderOptions<T, long?> AtMostOrderTrees<T>(this IRuleBuilder<T, long?> rule) =>
        rule.LessThanOrEqualTo(OrderLimits.MaxTrees);

    /// <summary>An e-mail address of at most <see cref="MaxEmail"/> characters (an optional one adds <c>.When</c>).</summary>
    public static IRuleBuilderOptions<T, string?> OrderEmail<T>(this IRuleBuilder<T, string?> rule) =>
        rule.MaximumLength(MaxEmail).EmailAddress();
}
