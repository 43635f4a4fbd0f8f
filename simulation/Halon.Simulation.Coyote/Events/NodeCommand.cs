namespace Halon.Simulation.Coyote.Events;

/// <summary>An input for node <paramref name="Node"/> (its index, peers first) that the network forwards at a round's start.</summary>
public readonly record struct NodeCommand(int Node, NodeInputKind Kind)
{
    /// <summary>For <see cref="NodeInputKind.ChangeStation"/>: the change asked.</summary>
    public Halon.Core.Protocol.MembershipChange? Change { get; init; }
}
