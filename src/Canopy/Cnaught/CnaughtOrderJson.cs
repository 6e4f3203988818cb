using System.Text.Json;
using Canopy.Catalog;
using Canopy.Ordering;
using Canopy.Kernel;
using Canopy.Platform;

namespace Canopy.Cnaught;

/// <summary>
/// CNaught's order object written with a <see cref="Utf8JsonWriter"/> from an order's columns: the same bytes, in the
/// same property order, as <see cref="CnaughtShapes.ToCnaught"/> serialised with <see cref="Json.SnakeCase"/> (tests
/// compare the list and the stored answer of a new order with <c>GET /v1/orders/{id}</c>, which serialises the record).
/// </summary>
internal static class CnaughtOrderJson
{
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = Json.SnakeCase.Encoder, SkipValidation = true };
    private static readonly JsonEncodedText Id = JsonEncodedText.Encode("id");
    private static readonly JsonEncodedText OrderNumber = JsonEncodedText.Encode("order_number");
    private static readonly JsonEncodedText AmountKg = JsonEncodedText.Encode("amount_kg");
    private static readonly JsonEncodedText CreatedOn = JsonEncodedText.Encode("created_on");
    private static readonly JsonEncodedText Metadata = JsonEncodedText.Encode("metadata");
    private static readonly JsonEncodedText Description = JsonEncodedText.Encode("description");
    private static readonly JsonEncodedText PriceUsdCents = JsonEncodedText.Encode("price_usd_cents");
    private static readonly JsonEncodedText State = JsonEncodedText.Encode("state");
    private static readonly JsonEncodedText Type = JsonEncodedText.Encode("type");
    private static readonly JsonEncodedText CallbackUrl = JsonEncodedText.Encode("callback_url");
    private static readonly JsonEncodedText CertificatePublicUrl = JsonEncodedText.Encode("certificate_public_url");
    private static readonly JsonEncodedText CertificateDownloadPublicUrl = JsonEncodedText.Encode("certificate_download_public_url");
    private static readonly JsonEncodedText SubaccountId = JsonEncodedText.Encode("subaccount_id");
    private static readonly JsonEncodedText CheckoutSessionId = JsonEncodedText.Encode("checkout_session_id");
    private static readonly JsonEncodedText ProjectAllocations = JsonEncodedText.Encode("project_allocations");
    private static readonly JsonEncodedText DistanceKm = JsonEncodedText.Encode("distance_km");
    private static readonly JsonEncodedText Project = JsonEncodedText.Encode("project");
    private static readonly JsonEncodedText Retirements = JsonEncodedText.Encode("retirements");
    private static readonly JsonEncodedText SerialNumberRange = JsonEncodedText.Encode("serial_number_range");
    private static readonly JsonEncodedText Url = JsonEncodedText.Encode("url");

    /// <summary>An order's answer as UTF-8 JSON.</summary>
    public static byte[] Serialize(CnaughtOrderRow o, string? subaccountPublicId, CatalogSnapshot catalog, string? publicBaseUrl)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions)) WriteOrder(w, o, subaccountPublicId, catalog, publicBaseUrl);
        return buffer.WrittenSpan.ToArray();
    }

    public static void WriteOrder(Utf8JsonWriter w, CnaughtOrderRow o, string? subaccountPublicId, CatalogSnapshot catalog, string? publicBaseUrl)
    {
        w.WriteStartObject();
        w.WriteString(Id, o.PublicId);
        w.WriteString(OrderNumber, o.OrderNumber);
        w.WriteNumber(AmountKg, CnaughtShapes.Kg(o.Grams));
        w.WriteString(CreatedOn, Json.Timestamp(o.CreatedAt, stackalloc byte[Json.TimestampBuffer]));
        WriteStringOrNull(w, Metadata, o.Metadata);
        WriteStringOrNull(w, Description, o.Description);
        w.WriteNumber(PriceUsdCents, o.PriceUsdCents);
        w.WriteString(State, CnaughtShapes.StateName(o.State));
        w.WriteString(Type, CnaughtShapes.TypeName(o.Kind));
        WriteStringOrNull(w, CallbackUrl, o.CallbackUrl);
        WriteCertificateUrl(w, CertificatePublicUrl, o, publicBaseUrl, pdf: false);
        WriteCertificateUrl(w, CertificateDownloadPublicUrl, o, publicBaseUrl, pdf: true);
        WriteStringOrNull(w, SubaccountId, subaccountPublicId);
        WriteStringOrNull(w, CheckoutSessionId, o.CheckoutSessionId);
        w.WriteStartArray(ProjectAllocations);
        foreach (var a in o.Allocations)
        {
            w.WriteStartObject();
            w.WritePropertyName(Project);
            w.WriteRawValue(CnaughtProjectJson.Get(catalog, a.ProjectId), skipInputValidation: true);
            w.WriteNumber(AmountKg, CnaughtShapes.Kg(a.Grams));
            w.WriteStartArray(Retirements);
            foreach (var r in a.Retirements)
            {
                w.WriteStartObject();
                w.WriteString(SerialNumberRange, r.SerialNumberRange);
                WriteStringOrNull(w, Url, r.RegistryUrl);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (CnaughtShapes.DistanceKm(o.DistanceMeters) is { } km) w.WriteNumber(DistanceKm, km);
        w.WriteEndObject();
    }

    /// <summary>The certificate's URL (<see cref="CnaughtShapes.CertificateUrl"/>) written without a string per order.</summary>
    private static void WriteCertificateUrl(Utf8JsonWriter w, JsonEncodedText name, CnaughtOrderRow o, string? publicBaseUrl, bool pdf)
    {
        if (!CnaughtShapes.ShowsCertificate(o.State, publicBaseUrl))
        {
            w.WriteNull(name);
            return;
        }
        Span<char> url = stackalloc char[256];
        if (PublicUrls.TryWriteCertificateUrl(url, publicBaseUrl, o.CertificateId, pdf, out var length)) w.WriteString(name, url[..length]);
        else w.WriteString(name, pdf ? CnaughtShapes.CertificatePdfUrl(o.State, o.CertificateId, publicBaseUrl) : CnaughtShapes.CertificateUrl(o.State, o.CertificateId, publicBaseUrl));
    }

    private static void WriteStringOrNull(Utf8JsonWriter w, JsonEncodedText name, string? value)
    {
        if (value is null) w.WriteNull(name);
        else w.WriteString(name, value);
    }
}
