using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FluentValidation;

using Canopy.Kernel;

namespace Canopy.Platform;

/// <summary>Field → messages, as the dialects report invalid input.</summary>
public sealed class FieldErrors : Dictionary<string, string[]>
{
    public FieldErrors() : base(StringComparer.Ordinal) { }

    public FieldErrors(string field, string message) : this() => Add(field, message);

    public void Add(string field, string message) =>
        this[field] = TryGetValue(field, out var existing) ? [.. existing, message] : [message];

    /// <summary>"field: message; other: message" for dialects with a single message string.</summary>
    public string Summary() => string.Join("; ", this.Select(kv => $"{kv.Key}: {string.Join(" ", kv.Value)}"));
}

/// <summary>A request body bound and validated, or the reasons it was not.</summary>
public readonly record struct Bound<T>(T? Value, FieldErrors? Errors) where T : class
{
    public bool IsValid => Errors is null;
}

/// <summary>
/// Reads a request body (JSON, or a form post converted to JSON), then runs the type's validator.
/// Request records keep every member nullable, so a missing field is reported by the validator
/// by name instead of failing deserialisation with a message about .NET types.
/// </summary>
public static partial class RequestBody
{
    public const string BodyField = "body";


    public static async Task<Bound<T>> ReadAsync<T>(HttpRequest request, JsonSerializerOptions options, IValidator<T>? validator, bool allowForm, CancellationToken ct)
        where T : class
    {
        T? value;
        try
        {
            value = await DeserializeAsync<T>(request, options, allowForm, ct);
        }
        catch (JsonException ex)
        {
            return new(null, BindingError<T>(ex, options));
        }
        catch (BadBodyException ex)
        {
            return new(null, new FieldErrors(ex.Field, ex.Message));
        }
        if (value is null) return new(null, new FieldErrors(BodyField, "The request body must be a JSON object."));
        if (validator is null) return new(value, null);
        FluentValidation.Results.ValidationResult result;
        try
        {
            result = await validator.ValidateAsync(value, ct);
        }
        catch (OverflowException)
        {
            // Safety net: a rule's arithmetic on an absurd number. The rules are written not to get here.
            return new(null, new FieldErrors(BodyField, "A number in the request is far too large."));
        }
        if (result.IsValid) return new(value, null);
        var errors = new FieldErrors();
        foreach (var failure in result.Errors) errors.Add(failure.PropertyName, failure.ErrorMessage);
        return new(null, errors);
    }

    private static async Task<T?> DeserializeAsync<T>(HttpRequest request, JsonSerializerOptions options, bool allowForm, CancellationToken ct)
    {
        var mediaType = request.ContentType?.Split(';')[0].Trim() ?? "";
        var isForm = string.Equals(mediaType, "application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase);
        // A body the route does not read (text/plain, multipart, a form where only JSON is read…) is 415 in the
        // surface's shape (ClientErrorHandler), not parsed anyway. No Content-Type at all is read as JSON.
        if (mediaType.Length > 0 && !IsJson(mediaType) && !(allowForm && isForm))
            throw new BadHttpRequestException(
                allowForm ? "body: Send the body as application/json or application/x-www-form-urlencoded." : "body: Send the body as application/json.",
                StatusCodes.Status415UnsupportedMediaType);
        if (isForm)
        {
            IFormCollection form;
            try { form = await request.ReadFormAsync(ct); }
            catch (Exception ex) when (ex is InvalidDataException or IOException or BadHttpRequestException { StatusCode: < 413 })
            {
                throw new BadBodyException("The form body could not be read.");
            }
            var obj = new JsonObject();
            foreach (var (key, values) in form) obj[key] = JsonValue.Create(values.ToString().Length == 0 ? "" : values[^1]);
            return obj.Deserialize<T>(options);
        }

        using var buffer = new MemoryStream();
        await CopyCappedAsync(request, buffer, ct);
        var json = (ReadOnlySpan<byte>)buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        // RFC 8259 §8.1 lets a parser ignore a UTF-8 byte order mark; some clients (PowerShell, .NET's UTF8Encoding) send one.
        if (json.StartsWith("\uFEFF"u8)) json = json[3..];
        if (json.IsEmpty || IsWhitespace(json))
            return JsonSerializer.Deserialize<T>("{}", options);
        // The span overload, unlike a reader, refuses anything after the value ('{"a":1} junk').
        return JsonSerializer.Deserialize<T>(json, options);
    }

    /// <summary>
    /// Reads the body up to <see cref="Hosting.MaxRequestBodyBytes"/>, the same cap Kestrel enforces, so the limit also
    /// holds behind servers or hosts that do not (413 as a BadHttpRequestException, which each dialect words).
    /// </summary>
    private static async Task CopyCappedAsync(HttpRequest request, MemoryStream buffer, CancellationToken ct)
    {
        if (request.ContentLength > Hosting.MaxRequestBodyBytes) throw TooLarge();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > Hosting.MaxRequestBodyBytes) throw TooLarge();
            buffer.Write(chunk, 0, read);
        }
    }

    private static BadHttpRequestException TooLarge() =>
        new("The request body is too large.", StatusCodes.Status413PayloadTooLarge);

    /// <summary>application/json, or a structured JSON type (application/problem+json, …).</summary>
    private static bool IsJson(string mediaType) =>
        string.Equals(mediaType, "application/json", StringComparison.OrdinalIgnoreCase)
        || (mediaType.StartsWith("application/", StringComparison.OrdinalIgnoreCase) && mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    private static bool IsWhitespace(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes) if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')) return false;
        return true;
    }

    /// <summary>Names the field a deserialisation error is about and says what it should have been.</summary>
    private static FieldErrors BindingError<T>(JsonException ex, JsonSerializerOptions options)
    {
        var path = ex.Path;
        // A syntax error comes from the reader, wrapped; a value of the wrong type is reported directly.
        if (ex.InnerException is JsonException)
            return new FieldErrors(BodyField, $"The request body is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}).");
        if (string.IsNullOrEmpty(path) || path == "$" || ex.LineNumber is null && path is null)
            return new FieldErrors(BodyField, "The request body is not valid JSON or not a JSON object.");
        var segments = PathSegments().Matches(path).Select(m => m.Groups["name"].Success ? m.Groups["name"].Value
            : m.Groups["quoted"].Success ? m.Groups["quoted"].Value : null).ToList();
        // The field as validators name it: allocations[0].fraction.
        var field = string.Concat(PathSegments().Matches(path).Select((m, i) => m.Groups["index"].Success ? $"[{m.Groups["index"].Value}]"
            : (i == 0 ? "" : ".") + (m.Groups["name"].Success ? m.Groups["name"].Value : m.Groups["quoted"].Value)));
        if (field.Length == 0) return new FieldErrors(BodyField, "The request body is not valid JSON or not a JSON object.");
        var expected = Describe(FindPathType(typeof(T), segments, options));
        return new FieldErrors(field, expected is null ? $"The {field} field is invalid." : $"The {field} field must be {expected}.");
    }

    [GeneratedRegex(@"\.(?<name>[^.\[]+)|\['(?<quoted>(?:[^']|'')*)'\]|\[(?<index>\d+)\]")]
    private static partial Regex PathSegments();

    /// <summary>The .NET type at a JSON path: property names step into members, null (an index) into an element type.</summary>
    private static Type? FindPathType(Type root, IReadOnlyList<string?> segments, JsonSerializerOptions options)
    {
        Type? type = root;
        foreach (var segment in segments)
        {
            if (type is null) return null;
            type = Nullable.GetUnderlyingType(type) ?? type;
            type = segment is null ? ElementType(type) : FindPropertyType(type, segment, options);
        }
        return type;
    }

    private static Type? ElementType(Type type)
    {
        if (type.IsArray) return type.GetElementType();
        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>)) return type.GetGenericArguments()[0];
        return type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];
    }

    private static Type? FindPropertyType(Type type, string jsonName, JsonSerializerOptions options)
    {
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var name = options.PropertyNamingPolicy?.ConvertName(p.Name) ?? p.Name;
            if (string.Equals(name, jsonName, StringComparison.Ordinal)) return p.PropertyType;
        }
        return null;
    }

    private static string? Describe(Type? type)
    {
        if (type is null) return null;
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string)) return "a string";
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(int) || type == typeof(long)) return "an integer";
        if (type == typeof(decimal) || type == typeof(double)) return "a number";
        if (type.IsEnum) return "one of: " + string.Join(", ", Enum.GetNames(type).Select(n => JsonNamingPolicy.SnakeCaseLower.ConvertName(n)));
        if (type.IsArray || (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(List<>))) return "an array";
        return "an object";
    }

    private sealed class BadBodyException(string message, string field = BodyField) : Exception(message)
    {
        public string Field { get; } = field;
    }
}
