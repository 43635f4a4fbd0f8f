using Halon.Core;
using Halon.Core.Effects;
using Halon.Core.Identity;
using Monitor = Microsoft.Coyote.Specifications.Monitor;

namespace Halon.Simulation.Coyote.Monitors;

/// <summary>
/// What a node actor tells the monitors after persisting a batch (before acting on its effects and sending its
/// messages), and at the end of an input. Times are in ticks of the node's clock since the iteration began.
/// </summary>
public sealed class NodeReport : Monitor.Event
{
    /// <summary>The node's index, peers first.</summary>
    public required int Node { get; init; }

    /// <summary>The node's id.</summary>
    public required NodeId Id { get; init; }

    /// <summary>The node's clock when it took the input this report belongs to.</summary>
    public required long Clock { get; init; }

    /// <summary>Whether the node is up (false: it just crashed).</summary>
    public required bool Up { get; init; }

    /// <summary>The supervisor's state.</summary>
    public SupervisorState State { get; init; }

    /// <summary>The node's term.</summary>
    public long Term { get; init; }

    /// <summary>Whether the core says its coordinator runs.</summary>
    public bool CoordinatorRunning { get; init; }

    /// <summary>The running coordinator's epoch, or 0.</summary>
    public long CoordinatorEpoch { get; init; }

    /// <summary>For a master, the clock value at which its lease ends (in the same frame as <see cref="Clock"/>); else 0.</summary>
    public long LeaseEnd { get; init; }

    /// <summary>The effects of the batch (empty in an end-of-input report).</summary>
    public IReadOnlyList<Effect> Effects { get; init; } = Array.Empty<Effect>();

    /// <summary>When <see cref="Effects"/> holds a <see cref="CoordinatorStarted"/>: the state it started from (satellite → incarnation).</summary>
    public IReadOnlyDictionary<NodeId, long>? CoordinatorState { get; init; }

    /// <summary>For a satellite: whether its current incarnation is acknowledged.</summary>
    public bool SatelliteAcknowledged { get; init; }

    /// <summary>For a satellite: its current incarnation.</summary>
    public long Incarnation { get; init; }

    /// <summary>Whether the node finished its input: its core has caught up with its clock and has acted.</summary>
    public bool EndOfInput { get; init; }

    /// <summary>For a station peer: the voters of its configuration in force; null otherwise.</summary>
    public IReadOnlyList<NodeId>? Voters { get; init; }

    /// <summary>The voters of its configuration in force before this batch (null: unknown).</summary>
    public IReadOnlyList<NodeId>? VotersBefore { get; init; }

    /// <summary>The index of the entry that set its configuration (0: the bootstrap peer set).</summary>
    public long ConfigIndex { get; init; }

    /// <summary>
    /// The voters of the newest configuration at or below its commit index (its log's, else its snapshot's, else the
    /// bootstrap peer set), and that configuration's index (the snapshot's index when it comes from the snapshot).
    /// </summary>
    public (IReadOnlyList<NodeId> Voters, long Index)? CommittedConfig { get; init; }

    /// <summary>The node's commit index.</summary>
    public long CommitIndex { get; init; }

    /// <summary>The indexes of the configuration entries its log holds beyond its commit index.</summary>
    public IReadOnlyList<long> UncommittedConfigIndexes { get; init; } = Array.Empty<long>();

    /// <summary>Whether the node was master when this batch began (or became master in it): its commits are by counting.</summary>
    public bool CommittedAsMaster { get; init; }

    /// <summary>For a batch that commits as master: the highest index each node said it holds, in answers delivered in its term.</summary>
    public IReadOnlyDictionary<NodeId, long>? MatchHeard { get; init; }

    /// <summary>
    /// For a master: the start of the lease that the heartbeats a majority of its voters really echoed allow (in the
    /// frame of <see cref="Clock"/>; the node itself counts with its own clock when it votes); null otherwise.
    /// </summary>
    public long? EchoedLeaseStart { get; init; }
}
