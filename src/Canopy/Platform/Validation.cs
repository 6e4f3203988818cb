using System.Text.Json;
using FluentValidation;

using Canopy.Kernel;

namespace Canopy.Platform;

/// <summary>Marks a request record whose fields are camelCase on the wire (the Wren dialect); all others are snake_case.</summary>
public interface ICamelCaseRequest;

internal static class Validation
{
    /// <summary>FluentValidation names fields as the client wrote them, so errors can be acted on.</summary>
    public static void UseWireNames()
    {
        ValidatorOptions.Global.PropertyNameResolver = (type, member, _) => member is null ? null : WireName(type, member.Name);
        ValidatorOptions.Global.DisplayNameResolver = (type, member, _) => member is null ? null : WireName(type, member.Name);
        // A rule chain stops at its first failure: later checks may assume the earlier ones held (a Must() that
        // multiplies a value already found too large would overflow).
        ValidatorOptions.Global.DefaultRuleLevelCascadeMode = CascadeMode.Stop;
    }

    private static string WireName(Type type, string name) =>
        typeof(ICamelCaseRequest).IsAssignableFrom(type)
            ? JsonNamingPolicy.CamelCase.ConvertName(name)
            : JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
}
