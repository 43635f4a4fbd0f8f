using Halon.Core.Messages;

namespace Halon.Core.Protocol;

/// <summary>
/// The coordinator's record of one satellite, applied from a committed log entry. <see cref="InstallId"/> names the
/// installation that announced it (0 when unknown); <see cref="Reinstalls"/> counts the times a new installation
/// replaced an earlier one.
/// </summary>
public sealed record SatelliteRecord(long Incarnation, HostFacts Facts, long LogIndex)
{
    /// <summary>The installation id of the acknowledged incarnation; 0 when unknown.</summary>
    public long InstallId { get; init; }

    /// <summary>How many times a new installation of this node replaced the recorded one.</summary>
    public int Reinstalls { get; init; }
}
