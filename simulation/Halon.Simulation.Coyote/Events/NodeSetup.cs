using Halon.Core;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Microsoft.Coyote.Actors;

namespace Halon.Simulation.Coyote.Events;

/// <summary>Everything a node actor is told at creation.</summary>
public sealed class NodeSetup(int index, NodeId id, bool isPeer, HostFacts facts, PeerSet station, ProtocolOptions protocol, ActorId network) : Event
{
    /// <summary>The node's index (peers first).</summary>
    public int Index { get; } = index;

    /// <summary>The node's id.</summary>
    public NodeId Id { get; } = id;

    /// <summary>Whether halonctl makes it a station peer (otherwise a satellite).</summary>
    public bool IsPeer { get; } = isPeer;

    /// <summary>What it reports about its host.</summary>
    public HostFacts Facts { get; } = facts;

    /// <summary>The station's initial peer set (for a satellite: the station list it is bootstrapped with).</summary>
    public PeerSet Station { get; } = station;

    /// <summary>A spare: a station-capable machine outside the initial peers, with no role until it is told to join.</summary>
    public bool IsSpare { get; init; }

    /// <summary>The protocol's timers.</summary>
    public ProtocolOptions Protocol { get; } = protocol;

    /// <summary>The network actor, which carries every message and every input.</summary>
    public ActorId Network { get; } = network;
}
