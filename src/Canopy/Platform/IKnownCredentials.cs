namespace Canopy.Platform;

/// <summary>Whether this node already knows a presented secret as a valid credential (no database look-up).</summary>
public interface IKnownCredentials
{
    bool IsKnown(string secret);
}
