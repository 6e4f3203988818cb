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

    /// <summary>The dialects: wire shapes over the one order pipeline (Ordering's <c>OrderPipeline</c>).</summary>
    private static readonly HashSet<string> Dialects = ["Wren", "Cnaught", "Patch"];

    /// <summary>The order write and its money: a dialect that names these is writing its own order rules.</summary>
    private static readonly HashSet<string> OrderInternals =
    [
        typeof(Canopy.Ordering.OrderService).FullName!, typeof(Canopy.Ordering.OrderWrite).FullName!, typeof(Canopy.Ordering.OrderWriteResult).FullName!,
        typeof(Canopy.Ordering.IOrderStore).FullName!, typeof(Canopy.Catalog.LargestRemainder).FullName!,
        typeof(Canopy.Ledger.LedgerPosting).FullName!, typeof(Canopy.Ledger.LedgerService).FullName!,
    ];

    /// <summary>Pricing's splits (a dialect shows a blended rate, but never prices or splits an order itself).</summary>
    private static readonly HashSet<string> PricingSplits =
        [nameof(Canopy.Catalog.Pricing.ForGrams), nameof(Canopy.Catalog.Pricing.ForBudget), nameof(Canopy.Catalog.Pricing.AtAgreedPrice), nameof(Canopy.Catalog.Pricing.ForTrees)];

    [Fact]
    public void DialectsOrderOnlyThroughThePipeline()
    {
        var pricing = typeof(Canopy.Catalog.Pricing).FullName!;
        var wrong = House.Value.Types.Where(t => Room(t) is { } room && Dialects.Contains(room))
            .SelectMany(t => t.Dependencies.Select(d => (t, d)))
            .Where(x => OrderInternals.Contains(Clean(x.d.Target.FullName))
                || x.d is ArchUnitNET.Domain.Dependencies.MethodCallDependency call && Clean(call.Target.FullName) == pricing && PricingSplits.Contains(call.TargetMember.Name.Split('(')[0]))
            .Select(x => $"{x.t.FullName} → {(x.d is ArchUnitNET.Domain.Dependencies.MethodCallDependency m ? m.TargetMember.FullName : x.d.Target.FullName)}")
            .Distinct().ToList();
        Assert.True(wrong.Count == 0, "A dialect places orders through OrderPipeline and prices through OrderPricer; it never writes, splits or posts an order itself:\n"
            + string.Join('\n', wrong));
    }

    /// <summary>A nested type's name as reflection spells it (ArchUnitNET writes '/', reflection '+').</summary>
    private static string Clean(string fullName) => fullName.Replace('/', '+');

    [Fact]
    public void EachDialectIsSmallerThanTheOrderingCore()
    {
        var src = Path.Combine(Clients.OpenApiDocument.RepositoryRoot(), "src", "Canopy");
        static long Lines(string dir) => Directory.Exists(dir)
            ? Directory.EnumerateFiles(dir, "*.cs", SearchOption.AllDirectories).Sum(f => (long)File.ReadAllText(f).Count(c => c == '\n'))
            : 0;
        var ordering = Lines(Path.Combine(src, "Ordering"));
        var larger = Dialects.Select(d => (Dialect: d, Lines: Lines(Path.Combine(src, d)))).Where(d => d.Lines >= ordering).ToList();
        Assert.True(larger.Count == 0, $"A dialect is wire shapes over Ordering's rules; Ordering/ has {ordering} lines, but "
            + string.Join(", ", larger.Select(d => $"{d.Dialect}/ has {d.Lines}")));
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
