using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

using Canopy.Kernel;

namespace Canopy.Platform;

/// <summary>A request record with a realistic example that the server accepts, shown in /openapi/v1.json.</summary>
public interface IExampleRequest<TSelf> where TSelf : IExampleRequest<TSelf>
{
    static abstract TSelf Example { get; }
}

/// <summary>A validator that knows an example its rules accept (when one record type serves several routes).</summary>
public interface IExampleSource
{
    object Example { get; }
}

internal static class RequestExamples
{
    // Unset optional fields are left out of examples rather than shown as null.
    private static readonly JsonSerializerOptions Options = new(Json.SnakeCase) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static JsonNode? For(Type type, FluentValidation.IValidator? validator)
    {
        var example = validator is IExampleSource source ? source.Example
            : type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IExampleRequest<>))
                ? type.GetProperty("Example", BindingFlags.Public | BindingFlags.Static)?.GetValue(null)
                : null;
        return example is null ? null : JsonSerializer.SerializeToNode(example, example.GetType(), Options);
    }
}
