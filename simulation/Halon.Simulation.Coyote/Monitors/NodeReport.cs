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
}
