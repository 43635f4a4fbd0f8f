using Halon.Core.Status;

namespace Halon.Ctl.Cluster;

/// <summary>One station peer in a cluster-wide status: what it answered (or why it did not), measured against the master.</summary>
/// <param name="Node">The peer's id, as the station's peer set names it.</param>
/// <param name="Status">Its status, or null when it did not answer.</param>
/// <param name="Error">Why it did not answer, or null.</param>
/// <param name="LagEntries">Entries the master has committed that this peer does not know as committed yet; null without a master.</param>
/// <param name="LastContactMs">How long ago the master last heard from this peer; null for the master itself or when unknown.</param>
/// <param name="Problems">What is wrong with this peer, as seen from here.</param>
internal sealed record MemberView(string Node, NodeStatus? Status, string? Error, long? LagEntries, long? LastContactMs, IReadOnlyList<ClusterProblem> Problems)
{
    /// <summary>Satellites this peer knows as acknowledged.</summary>
    public int? SatellitesAcknowledged => Status?.Satellites.Count(s => s.Acknowledged);
}
