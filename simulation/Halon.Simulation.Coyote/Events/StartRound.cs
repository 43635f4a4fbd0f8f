using Microsoft.Coyote.Actors;

namespace Halon.Simulation.Coyote.Events;

/// <summary>
/// The nemesis to the network: begin a round. The network applies the clocks, the partition change and the heal, then
/// forwards <see cref="Inputs"/> in order, then a tick to every node whose clock advanced, then delivers messages.
/// </summary>
public sealed class StartRound(int round, long[] clocks, bool[] ticked, IReadOnlyList<NodeCommand> inputs) : Event
{
    /// <summary>The round, from 1.</summary>
    public int Round { get; } = round;

    /// <summary>Each node's clock in ticks.</summary>
    public long[] Clocks { get; } = clocks;

    /// <summary>Whether each node's clock advanced this round.</summary>
    public bool[] Ticked { get; } = ticked;

    /// <summary>Faults, heals and commands to forward, in order.</summary>
    public IReadOnlyList<NodeCommand> Inputs { get; } = inputs;

    /// <summary>
    /// A new partition: <c>Blocked[from * nodes + to]</c> cuts that direction. Null leaves the partition as it is; an
    /// all-false matrix clears it.
    /// </summary>
    public bool[]? Blocked { get; init; }

    /// <summary>Whether faults stop for good this round: the partition clears and the network stops losing messages.</summary>
    public bool Heal { get; init; }

    /// <summary>When set, the network may lose, duplicate or delay this many messages from now on (until the heal).</summary>
    public int? MessageFaultBudget { get; init; }
}
