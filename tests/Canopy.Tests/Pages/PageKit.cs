using System.Net;
using System.Text;
using Canopy.Tests.Cnaught;
using Canopy.Tests.Infrastructure;
using PdfSharp.Pdf.Content;
using PdfSharp.Pdf.Content.Objects;
using PdfSharp.Pdf.IO;
using Canopy.Outbox;

namespace Canopy.Tests.Pages;

/// <summary>Helpers for the public pages' tests: fetching pages, reading a PDF's text.</summary>
internal static class PageKit
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The path and query of an absolute URL the API handed out (the test client has its own base address).</summary>
    public static string PathOf(string url) => new Uri(url).PathAndQuery;

    public static async Task<(HttpResponseMessage Response, string Html)> GetPageAsync(this CanopyApp app, string path, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await app.Anonymous().GetAsync(path, Ct);
        var html = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == expected, $"GET {path}: expected {(int)expected}, got {(int)response.StatusCode}: {html}");
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        return (response, html);
    }

    /// <summary>A CNaught customer's order; returns (order JSON, certificate page path).</summary>
    public static async Task<(System.Text.Json.Nodes.JsonObject Order, string CertificatePath)> PlaceCnaughtOrderAsync(this CnaughtCustomer c, object body)
    {
        var order = await c.Live.PlaceOrderAsync(body);
        return (order, PathOf(order["certificate_public_url"]!.GetValue<string>()));
    }

    /// <summary>Works the outbox until nothing is due (fulfilment retires inventory there).</summary>
    public static async Task DrainOutboxAsync(this CanopyApp app)
    {
        var processor = app.Services.GetRequiredService<Canopy.Outbox.OutboxProcessor>();
        for (var i = 0; i < 100 && await processor.RunOnceAsync(Ct) > 0; i++) { }
    }

    /// <summary>A credit batch with a registry, serial prefix and registry page.</summary>
    public static Task<System.Text.Json.Nodes.JsonObject> AddBatchAsync(this CanopyApp app, string projectId, int vintage, decimal kg, string serialPrefix, string registryUrl) =>
        app.Admin().PostJsonAsync("/admin/inventory", new
        {
            project_id = projectId, vintage, amount_kg = kg, registry_name = "Puro.earth", serial_prefix = serialPrefix, registry_url = registryUrl,
        }, HttpStatusCode.Created);

    /// <summary>
    /// The text a PDF shows, operator by operator (the certificate's Latin text is WinAnsi-encoded, so strings read as
    /// written), lines joined by a space: a paragraph wrapped at spaces reads as it was written.
    /// </summary>
    public static string PdfText(byte[] pdf)
    {
        using var document = PdfReader.Open(new MemoryStream(pdf), PdfDocumentOpenMode.Import);
        var text = new StringBuilder();
        foreach (var page in document.Pages) Collect(ContentReader.ReadContent(page), text);
        return text.ToString();
    }

    private static void Collect(CObject obj, StringBuilder text)
    {
        switch (obj)
        {
            case CString s:
                text.Append(s.Value);
                break;
            case COperator op:
                foreach (var operand in op.Operands) Collect(operand, text);
                if (op.OpCode.Name is "Tj" or "TJ" or "'" or "\"") text.Append(' ');
                break;
            case CSequence sequence:
                foreach (var item in sequence) Collect(item, text);
                break;
        }
    }
}
