using ArchUnitNET.Domain;
using ArchUnitNET.Loader;

namespace Canopy.Tests.Architecture;

/// <summary>
/// The house's rules (docs/design-decisions.md, "The map of the house"): rooms are the folders under src/Canopy, read
/// from the namespaces of the compiled types (Canopy.X is room X). Surfaces are leaves; cores never name a surface;
/// no cycle between rooms. Data (its entity registry names every core's entities) and the composition root
/// (Program.cs, in the global namespace) are set aside.
/// </summary>
public sealed class HouseTests
{
    private static readonly Lazy<ArchUnitNET.Domain.Architecture> House = new(() =>
        new ArchLoader().LoadAssemblies(typeof(Canopy.Ordering.Order).Assembly).Build());

    /// <summary>The adapters: each wire or page, and nothing else names them.</summary>
    private static readonly HashSet<string> Surfaces = ["Wren", "Cnaught", "Patch", "Operator", "Pages", "Console", "Dashboard"];

    /// <summary>Used by every room, using nothing above them.</summary>
    private static readonly HashSet<string> Foundations = ["Kernel", "Platform"];

    private static string? Room(IType type)
    {
        var ns = type.Namespace?.FullName ?? "";
        if (!ns.StartsWith("Canopy.", StringComparison.Ordinal)) return null;
        var rest = ns["Canopy.".Length..];
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? rest : rest[..dot];
    }

    /// <summary>Which room names which room's types, with one example per arrow.</summary>
    internal static Dictionary<string, Dictionary<string, string>> Arrows()
    {
        var arrows = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var type in House.Value.Types)
        {
            if (Room(type) is not { } from) continue;
            if (!arrows.TryGetValue(from, out var targets)) arrows[from] = targets = new(StringComparer.Ordinal);
            foreach (var dependency in type.Dependencies)
            {
                // A generic method's type parameter is not a type of another room (ArchUnitNET names it after its method).
                if (dependency.Target is GenericParameter || Room(dependency.Target) is not { } to || to == from) continue;
                targets.TryAdd(to, $"{type.FullName} → {dependency.Target.FullName}");
            }
        }
        return arrows;
    }

    [Fact]
    public void NoRoomNamesASurfaceButItself()
    {
        var wrong = Arrows().SelectMany(a => a.Value.Where(t => Surfaces.Contains(t.Key)).Select(t => $"{a.Key} → {t.Key}: {t.Value}")).ToList();
        Assert.True(wrong.Count == 0, "Only a surface itself and the composition root may name a surface's types:\n" + string.Join('\n', wrong));
    }

    [Fact]
    public void FoundationsNameNoRoomAboveThem()
    {
        var wrong = Arrows().Where(a => Foundations.Contains(a.Key))
            .SelectMany(a => a.Value.Where(t => !(a.Key == "Platform" && t.Key == "Kernel")).Select(t => $"{a.Key} → {t.Key}: {t.Value}")).ToList();
        Assert.True(wrong.Count == 0, "Kernel names nothing of Canopy's, Platform only Kernel:\n" + string.Join('\n', wrong));
    }

    [Fact]
    public void RoomsFormNoCycle()
    {
        var arrows = Arrows();
        var graph = arrows.ToDictionary(a => a.Key, a => a.Value.Keys.Where(k => k != "Data").ToList(), StringComparer.Ordinal);
        graph.Remove("Data");
        var cycles = StronglyConnected(graph).Where(c => c.Count > 1).ToList();
        var text = string.Join("\n\n", cycles.Select(c => string.Join(", ", c.Order(StringComparer.Ordinal)) + ":\n  "
            + string.Join("\n  ", c.SelectMany(from => arrows[from].Where(t => c.Contains(t.Key)).Select(t => $"{from} → {t.Key} ({t.Value})")))));
        Assert.True(cycles.Count == 0, "Rooms in a dependency cycle:\n" + text);
    }

    /// <summary>Tarjan's strongly connected components.</summary>
    private static List<HashSet<string>> StronglyConnected(Dictionary<string, List<string>> graph)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        var low = new Dictionary<string, int>(StringComparer.Ordinal);
        var stack = new Stack<string>();
        var onStack = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<HashSet<string>>();
        var next = 0;
        void Visit(string v)
        {
            index[v] = low[v] = next++;
            stack.Push(v);
            onStack.Add(v);
            foreach (var w in graph.GetValueOrDefault(v) ?? [])
            {
                if (!index.TryGetValue(w, out var seen)) { Visit(w); low[v] = Math.Min(low[v], low[w]); }
                else if (onStack.Contains(w)) low[v] = Math.Min(low[v], seen);
            }
            if (low[v] != index[v]) return;
            var component = new HashSet<string>(StringComparer.Ordinal);
            string x;
            do { x = stack.Pop(); onStack.Remove(x); component.Add(x); } while (x != v);
            result.Add(component);
        }
        foreach (var v in graph.Keys.ToList()) if (!index.ContainsKey(v)) Visit(v);
        return result;
    }
}
