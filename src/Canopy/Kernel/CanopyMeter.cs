namespace Canopy.Kernel;

/// <summary>The name of the meter every Canopy metric is recorded on (created through IMeterFactory, so tests can listen per app).</summary>
internal static class CanopyMeter
{
    public const string Name = "Canopy";
}
