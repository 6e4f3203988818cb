using System.Text.Json;

using Canopy.Kernel;

namespace Canopy.Platform;

/// <summary>
/// A response field that is always one of a closed set of strings: given as literals, or as an enum whose members the
/// field shows in snake_case. /openapi/v1.json lists them as the field's enum.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class OneOfAttribute : Attribute
{
    public OneOfAttribute(params string[] values) => Values = values;

    public OneOfAttribute(Type enumType) =>
        Values = [.. Enum.GetNames(enumType).Select(JsonNamingPolicy.SnakeCaseLower.ConvertName)];

    public IReadOnlyList<string> Values { get; }
}
