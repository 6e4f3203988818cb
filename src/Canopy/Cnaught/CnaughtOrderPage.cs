using System.Text.Json;
using Canopy.Catalog;

namespace Canopy.Cnaught;

/// <summary>
/// A page of <c>GET /v1/orders</c> written straight from the rows into the response (<see cref="CnaughtOrderJson"/>):
/// no order records, no serializer, each project's JSON copied from <see cref="CnaughtProjectJson"/>.
/// </summary>
internal sealed class CnaughtOrderPage(
    IReadOnlyList<CnaughtOrderRow> rows, IReadOnlyDictionary<long, string> subaccounts, CatalogSnapshot catalog, string? publicBaseUrl) : IResult
{
    private static readonly JsonEncodedText Data = JsonEncodedText.Encode("data");

    /// <summary>Bytes buffered before they are handed to the connection.</summary>
    private const int FlushAt = 32 * 1024;

    public async Task ExecuteAsync(HttpContext http)
    {
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/json; charset=utf-8";
        var body = http.Response.BodyWriter;
        await using var w = new Utf8JsonWriter(body, CnaughtOrderJson.WriterOptions);
        w.WriteStartObject();
        w.WriteStartArray(Data);
        foreach (var row in rows)
        {
            CnaughtOrderJson.WriteOrder(w, row, row.SubaccountId is { } sid ? subaccounts.GetValueOrDefault(sid) : null, catalog, publicBaseUrl);
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
}
