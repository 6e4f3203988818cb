using System.Text.Json;
using System.Text.Json.Serialization;

namespace Canopy.Kernel;

/// <summary>The JSON conventions of each surface.</summary>
internal static class Json
{
    /// <summary>Responses of every surface, and request bodies of the CNaught and operator APIs: snake_case, nulls written.</summary>
    public static readonly JsonSerializerOptions SnakeCase = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>camelCase request bodies that accept strings for numbers and booleans (as form posts send them).</summary>
    public static readonly JsonSerializerOptions LenientCamelCase = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
        Converters = { new LenientBooleanConverter() },
        MaxDepth = 16,
    };

    public static JsonSerializerOptions Configure(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        o.DictionaryKeyPolicy = null;
        o.NumberHandling = JsonNumberHandling.Strict;
        o.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        o.MaxDepth = 16;
        // Responses are application/json, never HTML: no need to escape ' " < > as \u0027 and friends.
        o.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        o.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        o.Converters.Add(new UtcDateTimeConverter());
        return o;
    }

    /// <summary>
    /// Every instant on the wire is UTC with a 'Z', to the microsecond. Columns hold UTC, but SQLite hands them back
    /// with an unspecified kind (which would print without 'Z') and PostgreSQL keeps microseconds (so a value printed
    /// at creation would differ from the same value read back).
    /// </summary>
    private sealed class UtcDateTimeConverter : JsonConverter<DateTime>
    {

        public override DateTime Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var value = reader.GetDateTime();
            return value.Kind switch
            {
                DateTimeKind.Local => value.ToUniversalTime(),
                DateTimeKind.Unspecified => DateTime.SpecifyKind(value, DateTimeKind.Utc),
                _ => value,
            };
        }

        public override void Write(Utf8JsonWriter writer, DateTime value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Timestamp(value));
    }

    /// <summary>An instant as every response writes it: UTC, whole microseconds (as PostgreSQL stores them), 'Z'.</summary>
    public static string Timestamp(DateTime value)
    {
        Span<byte> utf8 = stackalloc byte[TimestampBuffer];
        return System.Text.Encoding.ASCII.GetString(Timestamp(value, utf8));
    }

    /// <summary>The buffer <see cref="Timestamp(DateTime, Span{byte})"/> needs: the round-trip ("O") form of a UTC time.</summary>
    public const int TimestampBuffer = 28;

    /// <summary>
    /// <see cref="Timestamp(DateTime)"/> as UTF-8 in <paramref name="buffer"/>, for writers that show many: the round-trip
    /// form (<c>yyyy-MM-ddTHH:mm:ss.fffffffZ</c>, which .NET formats without parsing a pattern) cut to six fractional
    /// digits, truncated.
    /// </summary>
    public static ReadOnlySpan<byte> Timestamp(DateTime value, Span<byte> buffer)
    {
        var utc = value.Kind == DateTimeKind.Local ? value.ToUniversalTime() : DateTime.SpecifyKind(value, DateTimeKind.Utc);
        if (!utc.TryFormat(buffer, out var written, "O", System.Globalization.CultureInfo.InvariantCulture) || written != TimestampBuffer)
            throw new ArgumentOutOfRangeException(nameof(value), value, "Not a four-digit year.");
        buffer[TimestampBuffer - 2] = (byte)'Z';
        return buffer[..(TimestampBuffer - 1)];
    }

    /// <summary>Accepts true/false as JSON booleans or as the strings a form post sends.</summary>
    private sealed class LenientBooleanConverter : JsonConverter<bool>
    {
        public override bool Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
        {
            JsonTokenType.True => true,
            JsonTokenType.False => false,
            JsonTokenType.String => reader.GetString()?.Trim().ToLowerInvariant() switch
            {
                "true" or "1" or "on" or "yes" => true,
                "false" or "0" or "off" or "no" or "" => false,
                _ => throw new JsonException("not a boolean"),
            },
            _ => throw new JsonException("not a boolean"),
        };

        public override void Write(Utf8JsonWriter writer, bool value, JsonSerializerOptions options) => writer.WriteBooleanValue(value);
    }
}
