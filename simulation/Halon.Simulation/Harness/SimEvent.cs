using Halon.Core.Messages;

namespace Halon.Simulation.Harness;

/// <summary>
/// One scheduled event. Ordered by (<see cref="Time"/>, <see cref="Sequence"/>): the sequence number breaks ties in
/// scheduling order, which keeps runs deterministic.
/// </summary>
internal struct SimEvent
{
    public long Time;
    public long Sequence;
    public EventKind Kind;
    public int Node;
    public int Generation;

    /// <summary>For a tick: the node's tick token when it was scheduled; a satellite that goes to sleep invalidates it.</summary>
    public int Token;
    public Message? Message;
    public Action? Action;

    public readonly bool Before(in SimEvent other) => Time < other.Time || (Time == other.Time && Sequence < other.Sequence);
}
