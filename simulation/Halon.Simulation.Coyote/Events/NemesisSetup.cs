using Microsoft.Coyote.Actors;

namespace Halon.Simulation.Coyote.Events;

/// <summary>Everything the nemesis is told at creation.</summary>
public sealed class NemesisSetup(CoyoteClusterOptions options, ActorId network) : Event
{
    /// <summary>The cluster's options, with the fault budget.</summary>
    public CoyoteClusterOptions Options { get; } = options;

    /// <summary>The network actor, which applies the faults.</summary>
    public ActorId Network { get; } = network;
}
