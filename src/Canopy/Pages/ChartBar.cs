namespace Canopy.Pages;

/// <summary>One bar of a server-rendered chart: its label, its value (for the geometry) and the value as shown.</summary>
public sealed record ChartBar(string Label, long Value, string ValueText);
