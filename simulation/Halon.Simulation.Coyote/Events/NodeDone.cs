using Halon.Core.Messages;
using Microsoft.Coyote.Actors;

namespace Halon.Simulation.Coyote.Events;

/// <summary>A node actor finished one input; <see cref="Messages"/> are what it sent meanwhile, persisted first.</summary>
public sealed class NodeDone(int node, IReadOnlyList<Message> messages) : Event
{
    /// <summary>The node's index.</summary>
    public int Node { get; } = node;

    /// <summary>The messages it sent, in order.</summary>
    public IReadOnlyList<Message> Messages { get; } = messages;
}
