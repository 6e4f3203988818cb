using System.Text.Json;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Canopy.Catalog;

/// <summary>A buyer the project names as a reference, with its logo.</summary>
public sealed record ProjectNotableBuyer(string Name, string LogoUrl, string? LogoAltText);

/// <summary>The figure illustrating a project's due diligence.</summary>
public sealed record ProjectFigure(string Description, string ImageUrl, string? ImageAltText);

/// <summary>Press coverage of a project, with the operator's own take on it.</summary>
public sealed record ProjectNewsArticle(string Title, string Url, string Author, DateTime PublishedOn, string? Take);

/// <summary>
/// Lists and small objects of a project's profile are kept as one JSON text column each: they are only ever read and
/// written whole, with the project, and never queried.
/// </summary>
internal static class JsonColumn
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.General);

    public static ValueConverter<T, string> Converter<T>() => new(
        v => JsonSerializer.Serialize(v, Options),
        s => Read<T>(s));

    /// <summary>An empty column (a row written before the column existed) reads as the type's empty value.</summary>
    public static T Read<T>(string s) =>
        string.IsNullOrEmpty(s) ? JsonSerializer.Deserialize<T>(typeof(System.Collections.IEnumerable).IsAssignableFrom(typeof(T)) ? "[]" : "null", Options)!
            : JsonSerializer.Deserialize<T>(s, Options)!;

    public static ValueComparer<T> Comparer<T>() => new(
        (a, b) => JsonSerializer.Serialize(a, Options) == JsonSerializer.Serialize(b, Options),
        v => JsonSerializer.Serialize(v, Options).GetHashCode(StringComparison.Ordinal),
        v => JsonSerializer.Deserialize<T>(JsonSerializer.Serialize(v, Options), Options)!);
}
