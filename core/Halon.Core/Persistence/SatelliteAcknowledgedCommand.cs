using Halon.Core.Identity;
using Halon.Core.Messages;

namespace Halon.Core.Persistence;

/// <summary>
/// The coordinator acknowledges <paramref name="Satellite"/> in <paramref name="Incarnation"/>, with its facts and
/// its installation id (<see cref="InstallId"/>, 0 when unknown).
/// </summary>
public sealed record SatelliteAcknowledgedCommand(NodeId Satellite, long Incarnation, HostFacts Facts) : EntryCommand
{
    /// <summary>The satellite's installation id; 0 when unknown.</summary>
    public long InstallId { get; init; }
}
