using Halon.Core.Identity;
using Microsoft.Coyote.Actors;

namespace Halon.Simulation.Coyote.Events;

/// <summary>Everything the network actor is told at creation.</summary>
public sealed class NetworkSetup(CoyoteClusterOptions options, IReadOnlyList<ActorId> nodes, IReadOnlyList<NodeId> ids, ActorId clock) : Event
{
    /// <summary>The cluster's options.</summary>
    public CoyoteClusterOptions Options { get; } = options;

    /// <summary>The node actors, by index.</summary>
    public IReadOnlyList<ActorId> Nodes { get; } = nodes;

    /// <summary>The node ids, by index.</summary>
    public IReadOnlyList<NodeId> Ids { get; } = ids;

    /// <summary>The clock actor, told when a round is done.</summary>
    public ActorId Clock { get; } = clock;
}
