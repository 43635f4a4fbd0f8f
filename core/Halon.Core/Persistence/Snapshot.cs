using Halon.Core.Identity;
using Halon.Core.Protocol;

namespace Halon.Core.Persistence;

/// <summary>
/// The applied state of a station peer at <see cref="LastIncludedIndex"/>: what replaying the log up to and including
/// that index leaves behind. Once a snapshot is durable, the log entries it covers may be dropped. It carries the
/// station it belongs to (<see cref="ClusterId"/>, <see cref="Peers"/>) so that a snapshot is never applied to another
/// station, and the satellite table with every field of <see cref="SatelliteRecord"/>, sorted by node.
/// </summary>
/// <param name="LastIncludedIndex">The index of the last entry the snapshot covers (at least 1).</param>
/// <param name="LastIncludedTerm">The term of that entry.</param>
/// <param name="ClusterId">The station's cluster id.</param>
/// <param name="Peers">The voters of the station's configuration at <paramref name="LastIncludedIndex"/>.</param>
/// <param name="Satellites">The satellite table, sorted by node id.</param>
public sealed record Snapshot(long LastIncludedIndex, long LastIncludedTerm, string ClusterId, PeerSet Peers, IReadOnlyList<SnapshotSatellite> Satellites)
{
    /// <summary>
    /// The station's tombstones: each removed satellite with the installation id removed (0 when unknown), sorted by
    /// node id.
    /// </summary>
    public IReadOnlyList<SnapshotTombstone> Removed { get; init; } = Array.Empty<SnapshotTombstone>();

    /// <summary>The learners of the station's configuration at <see cref="LastIncludedIndex"/>, sorted.</summary>
    public IReadOnlyList<NodeId> Learners { get; init; } = Array.Empty<NodeId>();

    /// <summary>The voters of that configuration that a replacement will remove, sorted.</summary>
    public IReadOnlyList<NodeId> Retiring { get; init; } = Array.Empty<NodeId>();

    /// <summary>The configuration at <see cref="LastIncludedIndex"/>.</summary>
    public StationConfig Config => StationConfig.Create(Peers, Learners, Retiring);

    /// <summary>Whether two snapshots hold the same state (records compare their lists by reference).</summary>
    public bool SameState(Snapshot other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return LastIncludedIndex == other.LastIncludedIndex
            && LastIncludedTerm == other.LastIncludedTerm
            && ClusterId == other.ClusterId
            && Peers.Equals(other.Peers)
            && Learners.SequenceEqual(other.Learners)
            && Retiring.SequenceEqual(other.Retiring)
            && Satellites.SequenceEqual(other.Satellites)
            && Removed.SequenceEqual(other.Removed);
    }
}

/// <summary>One tombstone of a snapshot: a removed satellite and the installation id that was removed.</summary>
public sealed record SnapshotTombstone(NodeId Node, long InstallId);

/// <summary>One row of a snapshot's satellite table.</summary>
public sealed record SnapshotSatellite(NodeId Node, SatelliteRecord Record);
