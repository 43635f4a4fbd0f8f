namespace Halon.Core.Status;

/// <summary>
/// A node's status, with the fields of <c>halonctl status --json</c>. <see cref="State"/> is one of
/// <c>waiting-for-quorum</c>, <c>follower</c>, <c>candidate</c>, <c>master</c>, <c>removed</c> on a station peer that
/// a configuration change left out, or <c>none</c> on a node that runs no supervisor.
/// </summary>
public sealed record NodeStatus(
    string Node,
    string Role,
    string? ClusterId,
    long Term,
    string State,
    string? Leader,
    CoordinatorInfo? Coordinator,
    IReadOnlyList<PeerStatus> Peers,
    IReadOnlyList<SatelliteStatus> Satellites,
    AnnouncerStatus? Announcer,
    long CommitIndex,
    long LastLogIndex,
    long Ticks)
{
    /// <summary>For a station peer, the station's timing; null otherwise.</summary>
    public StationTiming? Timing { get; init; }

    /// <summary>The index of the last entry the node's latest snapshot covers (0 without a snapshot).</summary>
    public long SnapshotIndex { get; init; }

    /// <summary>Entries held in the log after the snapshot: what a restart replays.</summary>
    public long LogEntries { get; init; }

    /// <summary>For a station peer, how many removed satellites it lists (tombstones of nodes not back in the table).</summary>
    public int RemovedSatellites { get; init; }

    /// <summary>For a station peer, its configuration (voters, learners, a change under way); null otherwise.</summary>
    public ConfigurationStatus? Configuration { get; init; }

    /// <summary>For a station peer, whether it left the station (its state is then <c>removed</c>).</summary>
    public bool LeftStation { get; init; }

    /// <summary>The text of a <see cref="NodeRole"/> in status.</summary>
    public static string RoleText(NodeRole role) => role switch
    {
        NodeRole.Station => "station",
        NodeRole.Satellite => "satellite",
        _ => "none",
    };

    /// <summary>The text of a <see cref="SupervisorState"/> in status; a pre-candidate shows as a candidate.</summary>
    public static string StateText(SupervisorState state) => state switch
    {
        SupervisorState.WaitingForQuorum => "waiting-for-quorum",
        SupervisorState.Follower => "follower",
        SupervisorState.PreCandidate => "candidate",
        SupervisorState.Candidate => "candidate",
        SupervisorState.Master => "master",
        _ => "none",
    };

    /// <summary>The peers that do not count towards quorum, with why: <c>A:9070 connection refused; B:9070 no supervisor yet</c>.</summary>
    public string MissingSummary() =>
        string.Join("; ", Peers.Where(p => !p.Reachable).Select(p => $"{p.Node} {p.State}"));
}
