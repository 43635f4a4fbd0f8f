using Halon.Core.Messages;
using Microsoft.Coyote.Actors;

namespace Halon.Simulation.Coyote.Events;

/// <summary>
/// One input to a node actor, from the network actor. <see cref="Clock"/> is the node's clock (ticks since the start
/// of the iteration) when the input was sent; the node catches its core up with it before handling the input, as the
/// daemon issues due ticks before each event.
/// </summary>
public sealed class NodeInput(NodeInputKind kind, long clock, IReadOnlyList<Message>? messages = null) : Event
{
    /// <summary>What is asked.</summary>
    public NodeInputKind Kind { get; } = kind;

    /// <summary>The node's clock, in ticks.</summary>
    public long Clock { get; } = clock;

    /// <summary>
    /// For <see cref="NodeInputKind.Deliver"/>, the messages that arrived together, in the order the network chose;
    /// the node steps them one by one, each after catching up with the clock and followed by its own Ready.
    /// </summary>
    public IReadOnlyList<Message> Messages { get; } = messages ?? Array.Empty<Message>();

    /// <summary>For <see cref="NodeInputKind.ChangeStation"/>: the change asked.</summary>
    public Halon.Core.Protocol.MembershipChange? Change { get; init; }
}
