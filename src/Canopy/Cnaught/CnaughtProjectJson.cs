using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Canopy.Catalog;
using Canopy.Kernel;
using Canopy.Platform;

namespace Canopy.Cnaught;

/// <summary>
/// CNaught's project object as UTF-8 JSON, serialised once per catalogue snapshot. Every allocation of every order
/// embeds its whole project, so a page of 100 orders repeats a few projects hundreds of times: the order list copies
/// these bytes instead of building and serialising the same records again. A new snapshot (an operator edit) gets
/// fresh bytes; the old one's go with it.
/// </summary>
internal static class CnaughtProjectJson
{
    private static readonly ConditionalWeakTable<CatalogSnapshot, ConcurrentDictionary<long, byte[]>> BySnapshot = new();

    public static byte[] Get(CatalogSnapshot catalog, long projectId) =>
        BySnapshot.GetValue(catalog, _ => new ConcurrentDictionary<long, byte[]>())
            .GetOrAdd(projectId, static (id, c) => JsonSerializer.SerializeToUtf8Bytes(CnaughtShapes.ProjectOf(c, id), Json.SnakeCase), catalog);
}
