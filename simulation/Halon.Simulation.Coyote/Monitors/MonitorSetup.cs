using Halon.Core.Identity;
using Monitor = Microsoft.Coyote.Specifications.Monitor;

namespace Halon.Simulation.Coyote.Monitors;

/// <summary>Tells a monitor the cluster it watches, before the first round.</summary>
public sealed class MonitorSetup(IReadOnlyList<NodeId> ids, int peers, int electionTimeoutTicks = int.MaxValue) : Monitor.Event
{
    /// <summary>The protocol's election timeout E, in ticks.</summary>
    public int ElectionTimeoutTicks { get; } = electionTimeoutTicks;

    /// <summary>Node ids by index, peers first.</summary>
    public IReadOnlyList<NodeId> Ids { get; } = ids;

    /// <summary>How many of the nodes are station-capable (peers and spares); the rest are satellites.</summary>
    public int Peers { get; } = peers;

    /// <summary>The protocol's lease, in ticks.</summary>
    public int LeaseTicks { get; init; }

    /// <summary>The peer set the station was bootstrapped with: its configuration at index 0.</summary>
    public Halon.Core.Identity.PeerSet? Bootstrap { get; init; }
}
