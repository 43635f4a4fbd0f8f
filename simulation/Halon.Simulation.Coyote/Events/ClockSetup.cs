using Microsoft.Coyote.Actors;

namespace Halon.Simulation.Coyote.Events;

/// <summary>Everything the clock actor is told at creation.</summary>
public sealed class ClockSetup(CoyoteClusterOptions options, ActorId nemesis, ActorId network) : Event
{
    /// <summary>The cluster's options.</summary>
    public CoyoteClusterOptions Options { get; } = options;

    /// <summary>The nemesis, which gets each round's turn first until the heal.</summary>
    public ActorId Nemesis { get; } = nemesis;

    /// <summary>The network, which gets each round straight from the clock after the heal.</summary>
    public ActorId Network { get; } = network;
}
