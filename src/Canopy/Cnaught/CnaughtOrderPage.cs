using System.Text.Json;
using System.Threading.RateLimiting;
using Canopy.Catalog;

namespace Canopy.Cnaught;

/// <summary>
/// A page of <c>GET /v1/orders</c>, written straight from the rows (<see cref="CnaughtOrderJson"/>: no order records,
/// no serializer, each project's JSON copied from <see cref="CnaughtProjectJson"/>) into the response's buffer while the
/// page still has its turn (<see cref="Platform.ListLimiter"/>); the turn is given back before the buffer is sent, so a client
/// that reads slowly holds none.
/// </summary>
internal sealed class CnaughtOrderPage(
    RateLimitLease turn, IReadOnlyList<CnaughtOrderRow> rows, IReadOnlyDictionary<long, string> subaccounts, CatalogSnapshot catalog, string? publicBaseUrl)
    : IResult
{
    private static readonly JsonEncodedText Data = JsonEncodedText.Encode("data");

    public async Task ExecuteAsync(HttpContext http)
    {
        var body = http.Response.BodyWriter;
        try
        {
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = "application/json; charset=utf-8";
            // Written into the response pipe without flushing: nothing waits for the client yet.
            using var w = new Utf8JsonWriter(body, CnaughtOrderJson.WriterOptions);
            w.WriteStartObject();
            w.WriteStartArray(Data);
            foreach (var row in rows)
                CnaughtOrderJson.WriteOrder(w, row, row.SubaccountId is { } sid ? subaccounts.GetValueOrDefault(sid) : null, catalog, publicBaseUrl);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        finally
        {
            turn.Dispose();
        }
        await body.FlushAsync(http.RequestAborted);
    }
}
