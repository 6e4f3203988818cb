using System.Text.Json;
using Canopy.Catalog;
using Microsoft.IO;

namespace Canopy.Cnaught;

/// <summary>
/// A page of <c>GET /v1/orders</c>, written straight from the rows (<see cref="CnaughtOrderJson"/>: no order records,
/// no serializer, each project's JSON copied from <see cref="CnaughtProjectJson"/>) into pooled memory while the page
/// has its turn (<see cref="Web.ListLimiter"/>), then sent with its length once the turn is given back.
/// </summary>
internal sealed class CnaughtOrderPage : IResult, IDisposable
{
    private static readonly JsonEncodedText Data = JsonEncodedText.Encode("data");

    private readonly RecyclableMemoryStream _json;

    private CnaughtOrderPage(RecyclableMemoryStream json) => _json = json;

    public static CnaughtOrderPage Build(RecyclableMemoryStreamManager buffers, IReadOnlyList<CnaughtOrderRow> rows,
        IReadOnlyDictionary<long, string> subaccounts, CatalogSnapshot catalog, string? publicBaseUrl)
    {
        var json = buffers.GetStream("cnaught-order-page");
        using (var w = new Utf8JsonWriter((System.Buffers.IBufferWriter<byte>)json, CnaughtOrderJson.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteStartArray(Data);
            foreach (var row in rows)
                CnaughtOrderJson.WriteOrder(w, row, row.SubaccountId is { } sid ? subaccounts.GetValueOrDefault(sid) : null, catalog, publicBaseUrl);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return new CnaughtOrderPage(json);
    }

    public async Task ExecuteAsync(HttpContext http)
    {
        try
        {
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = "application/json; charset=utf-8";
            http.Response.ContentLength = _json.Length;
            var body = http.Response.BodyWriter;
            foreach (var segment in _json.GetReadOnlySequence())
            {
                var result = await body.WriteAsync(segment, http.RequestAborted);
                if (result.IsCanceled || result.IsCompleted) break;
            }
        }
        finally
        {
            Dispose();
        }
    }

    public void Dispose() => _json.Dispose();
}
