using System.Text.Json;
using Canopy.Catalog;
using Canopy.Ordering;
using Canopy.Web;

namespace Canopy.Cnaught;

/// <summary>The columns of an order that CNaught's order object shows, read by the list's one query.</summary>
internal sealed record CnaughtOrderRow(
    long Id, string PublicId, string OrderNumber, long Grams, DateTime CreatedAt, string? Metadata, string? Description,
    long PriceUsdCents, OrderState State, OrderKind Kind, string? CallbackUrl, string CertificateId, long? SubaccountId,
    long? DistanceMeters, List<CnaughtAllocationRow> Allocations);

/// <summary>An allocation with grams (zero-gram rows are not shown) and its live retirements, in id order.</summary>
internal sealed record CnaughtAllocationRow(long ProjectId, long Grams, List<CnaughtRetirementRow> Retirements);

internal sealed record CnaughtRetirementRow(string SerialNumberRange, string? RegistryUrl);

/// <summary>
/// A page of <c>GET /v1/orders</c> written straight from the rows with a <see cref="Utf8JsonWriter"/> into the response:
/// no order records, no serializer, and each project's JSON copied from <see cref="CnaughtProjectJson"/>. It writes the
/// same bytes as <see cref="CnaughtShapes.ToCnaught"/> serialised with <see cref="Json.SnakeCase"/> (a test compares every
/// item with <c>GET /v1/orders/{id}</c>), in the same property order.
/// </summary>
internal sealed class CnaughtOrderPage(
    IReadOnlyList<CnaughtOrderRow> rows, IReadOnlyDictionary<long, string> subaccounts, CatalogSnapshot catalog, string? publicBaseUrl) : IResult
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = Json.SnakeCase.Encoder, SkipValidation = true };
    private static readonly JsonEncodedText Data = JsonEncodedText.Encode("data");
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

    /// <summary>Bytes buffered before they are handed to the connection.</summary>
    private const int FlushAt = 32 * 1024;

    public async Task ExecuteAsync(HttpContext http)
    {
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/json; charset=utf-8";
        var body = http.Response.BodyWriter;
        await using var w = new Utf8JsonWriter(body, WriterOptions);
        w.WriteStartObject();
        w.WriteStartArray(Data);
        foreach (var row in rows)
        {
            WriteOrder(w, row);
            if (w.BytesPending >= FlushAt)
            {
                w.Flush();
                await body.FlushAsync(http.RequestAborted);
            }
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        await body.FlushAsync(http.RequestAborted);
    }

    private void WriteOrder(Utf8JsonWriter w, CnaughtOrderRow o)
    {
        w.WriteStartObject();
        w.WriteString(Id, o.PublicId);
        w.WriteString(OrderNumber, o.OrderNumber);
        w.WriteNumber(AmountKg, CnaughtShapes.Kg(o.Grams));
        w.WriteString(CreatedOn, CnaughtShapes.Timestamp(o.CreatedAt));
        WriteStringOrNull(w, Metadata, o.Metadata);
        WriteStringOrNull(w, Description, o.Description);
        w.WriteNumber(PriceUsdCents, o.PriceUsdCents);
        w.WriteString(State, CnaughtShapes.StateName(o.State));
        w.WriteString(Type, CnaughtShapes.TypeName(o.Kind));
        WriteStringOrNull(w, CallbackUrl, o.CallbackUrl);
        WriteStringOrNull(w, CertificatePublicUrl, CnaughtShapes.CertificateUrl(o.State, o.CertificateId, publicBaseUrl));
        WriteStringOrNull(w, CertificateDownloadPublicUrl, CnaughtShapes.CertificatePdfUrl(o.State, o.CertificateId, publicBaseUrl));
        WriteStringOrNull(w, SubaccountId, o.SubaccountId is { } sid ? subaccounts.GetValueOrDefault(sid) : null);
        w.WriteNull(CheckoutSessionId);
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

    private static void WriteStringOrNull(Utf8JsonWriter w, JsonEncodedText name, string? value)
    {
        if (value is null) w.WriteNull(name);
        else w.WriteString(name, value);
    }
}
