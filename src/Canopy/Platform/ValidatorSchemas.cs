using System.Globalization;
using System.Text.Json.Nodes;
using FluentValidation;
using FluentValidation.Internal;
using FluentValidation.Validators;
using Microsoft.OpenApi;

using Canopy.Kernel;

namespace Canopy.Platform;

/// <summary>A closed set of string values a field accepts; the OpenAPI document shows it as an enum.</summary>
public interface IOneOfValidator
{
    IReadOnlyList<string> Values { get; }
}

internal sealed class OneOfValidator<T>(IReadOnlyList<string> values) : PropertyValidator<T, string?>, IOneOfValidator
{
    public IReadOnlyList<string> Values { get; } = values;
    public override string Name => "OneOfValidator";
    public override bool IsValid(ValidationContext<T> context, string? value) => value is null || Values.Contains(value, StringComparer.Ordinal);

    protected override string GetDefaultMessageTemplate(string errorCode) =>
        "'{PropertyName}' must be one of: " + string.Join(", ", Values.Select(v => '"' + v + '"')) + ".";
}

/// <summary>An absolute http(s) URL (shown as format uri).</summary>
internal sealed class HttpUrlValidator<T> : PropertyValidator<T, string?>
{
    public override string Name => "HttpUrlValidator";
    public override bool IsValid(ValidationContext<T> context, string? value) => PublicUrls.IsHttpUrl(value);
    protected override string GetDefaultMessageTemplate(string errorCode) => "'{PropertyName}' must be an absolute http(s) URL.";
}

public static class ValidationRules
{
    /// <summary>The value, when given, is an absolute http(s) URL (format uri in /openapi/v1.json).</summary>
    public static IRuleBuilderOptions<T, string?> HttpUrl<T>(this IRuleBuilder<T, string?> rule) => rule.SetValidator(new HttpUrlValidator<T>());

    /// <summary>The value, when given, is one of <paramref name="values"/> (a closed set, shown as an enum in /openapi/v1.json).</summary>
    public static IRuleBuilderOptions<T, string?> OneOf<T>(this IRuleBuilder<T, string?> rule, IEnumerable<string> values) =>
        rule.SetValidator(new OneOfValidator<T>([.. values]));
}

/// <summary>
/// Writes the rules the endpoints enforce into the request schemas of /openapi/v1.json, read from the very
/// FluentValidation validators that check the bodies (one source of truth): unconditional NotNull/NotEmpty make a field
/// required; lengths, bounds, patterns, e-mail and closed sets become maxLength, minimum/maximum, pattern, format and
/// enum. Child validators and rules on collection items are followed into nested objects and array items.
/// </summary>
internal static class ValidatorSchemas
{
    private static readonly Dictionary<Type, IValidator?> Defaults = [];

    /// <summary>The validator with a parameterless constructor that checks <paramref name="type"/>, if there is exactly one.</summary>
    public static IValidator? DefaultFor(Type type)
    {
        lock (Defaults)
        {
            if (Defaults.TryGetValue(type, out var known)) return known;
            var target = typeof(IValidator<>).MakeGenericType(type);
            var candidates = typeof(ValidatorSchemas).Assembly.GetTypes()
                .Where(t => !t.IsAbstract && !t.IsGenericTypeDefinition && target.IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
                .ToList();
            var validator = candidates.Count == 1 ? (IValidator)Activator.CreateInstance(candidates[0])! : null;
            Defaults[type] = validator;
            return validator;
        }
    }

    /// <summary>Applies <paramref name="validator"/>'s rules to <paramref name="schema"/> (an object schema of its type).</summary>
    public static void Apply(IOpenApiSchema? schema, IValidator validator, bool onlyValidatedFields = false)
    {
        if (Resolve(schema) is not { } root) return;
        var mentioned = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in validator.CreateDescriptor().Rules)
        {
            if (rule.PropertyName is not { Length: > 0 } name) continue;
            var path = name.Split('.').Select(StripIndex).ToArray();
            mentioned.Add(path[0]);
            var (parent, property) = Navigate(root, path);
            if (parent is null || property is null) continue;
            var isCollection = rule.GetType().GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ICollectionRule<,>));
            foreach (var component in rule.Components)
            {
                var target = isCollection ? Resolve(property.Items) : property;
                if (target is null) continue;
                var unconditional = !component.HasCondition && !component.HasAsyncCondition && !rule.HasCondition && !rule.HasAsyncCondition;
                if (unconditional && !isCollection && component.Validator is INotNullValidator or INotEmptyValidator)
                {
                    parent.Required ??= new HashSet<string>(StringComparer.Ordinal);
                    parent.Required.Add(path[^1]);
                    if (property.Type is { } t) property.Type = t & ~JsonSchemaType.Null;
                    property.Enum?.Remove(null!);
                }
                Constrain(target, component.Validator);
            }
        }
        if (onlyValidatedFields && root.Properties is { } props)
            foreach (var unused in props.Keys.Where(k => !mentioned.Contains(k)).ToList()) props.Remove(unused);
    }

    private static void Constrain(OpenApiSchema s, IPropertyValidator v)
    {
        switch (v)
        {
            case INotEmptyValidator when Has(s, JsonSchemaType.String):
                s.MinLength = Math.Max(s.MinLength ?? 0, 1);
                break;
            case INotEmptyValidator when Has(s, JsonSchemaType.Array):
                s.MinItems = Math.Max(s.MinItems ?? 0, 1);
                break;
            case ILengthValidator length:
                if (length.Max > 0) s.MaxLength = length.Max;
                if (length.Min > 0) s.MinLength = length.Min;
                break;
            case IBetweenValidator between when v.Name == "InclusiveBetweenValidator":
                s.Minimum = Number(between.From);
                s.Maximum = Number(between.To);
                break;
            case IBetweenValidator between:
                s.ExclusiveMinimum = Number(between.From);
                s.ExclusiveMaximum = Number(between.To);
                break;
            case IComparisonValidator { ValueToCompare: not null } c:
                var value = Number(c.ValueToCompare);
                switch (c.Comparison)
                {
                    case Comparison.GreaterThan: s.ExclusiveMinimum = value; break;
                    case Comparison.GreaterThanOrEqual: s.Minimum = value; break;
                    case Comparison.LessThan: s.ExclusiveMaximum = value; break;
                    case Comparison.LessThanOrEqual: s.Maximum = value; break;
                }
                break;
            case IRegularExpressionValidator regex:
                s.Pattern = regex.Expression;
                break;
            case IEmailValidator:
                s.Format = "email";
                break;
            case { Name: "HttpUrlValidator" }:
                s.Format = "uri";
                break;
            case IOneOfValidator oneOf:
                s.Enum = [.. oneOf.Values.Select(x => (JsonNode)JsonValue.Create(x))];
                break;
            case IChildValidatorAdaptor child when child.ValidatorType.GetConstructor(Type.EmptyTypes) is not null:
                Apply(s, (IValidator)Activator.CreateInstance(child.ValidatorType)!);
                break;
        }
    }

    private static bool Has(OpenApiSchema s, JsonSchemaType type) => s.Type is { } t && (t & type) == type;

    private static string? Number(object? value) => value switch
    {
        null => null,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static string StripIndex(string segment) => segment.IndexOf('[', StringComparison.Ordinal) is var i and >= 0 ? segment[..i] : segment;

    /// <summary>The schema holding the last segment and that segment's schema.</summary>
    private static (OpenApiSchema? Parent, OpenApiSchema? Property) Navigate(OpenApiSchema root, string[] path)
    {
        var current = root;
        for (var i = 0; i < path.Length; i++)
        {
            if (current.Properties is null || !current.Properties.TryGetValue(path[i], out var next)) return (null, null);
            if (i == path.Length - 1) return (current, Resolve(next));
            current = Resolve(next) is { } resolved ? (Resolve(resolved.Items) is { Properties: not null } item && resolved.Properties is null ? item : resolved) : null!;
            if (current is null) return (null, null);
        }
        return (null, null);
    }

    /// <summary>The schema itself, the one a reference points to, or the non-null branch of a nullable wrapper.</summary>
    private static OpenApiSchema? Resolve(IOpenApiSchema? schema) => schema switch
    {
        OpenApiSchema s when s.Properties is null && s.Items is null && (s.AnyOf ?? s.OneOf) is { Count: > 0 } branches =>
            branches.Select(Resolve).FirstOrDefault(b => b is not null && b.Type != JsonSchemaType.Null) ?? s,
        OpenApiSchema s => s,
        OpenApiSchemaReference r => r.Target as OpenApiSchema,
        _ => null,
    };
}
