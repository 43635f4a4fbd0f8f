using Halon.Core.Identity;

namespace Halon.Core.Effects;

/// <summary>
/// The coordinator of <paramref name="Epoch"/> sent an acknowledgement of a committed satellite incarnation.
/// <see cref="Reinstalled"/> says that this incarnation came from a new installation of the node.
/// </summary>
public sealed record SatelliteAcknowledged(NodeId Satellite, long Incarnation, long Epoch, string Hostname) : Effect
{
    /// <summary>Whether the acknowledged incarnation replaced another installation of the same node.</summary>
    public bool Reinstalled { get; init; }

    /// <summary>The installation id of the acknowledged incarnation; 0 when unknown.</summary>
    public long InstallId { get; init; }
}
