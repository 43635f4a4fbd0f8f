using Microsoft.Coyote.Actors;

namespace Halon.Simulation.Coyote.Events;

/// <summary>
/// The clock to the nemesis at a round's start: the nodes' clocks, which of them ticked, and halonctl's commands for
/// the round. The nemesis adds its faults and passes the round on to the network.
/// </summary>
public sealed class NemesisTurn(int round, long[] clocks, bool[] ticked, IReadOnlyList<NodeCommand> commands, int master) : Event
{
    /// <summary>The round, from 1.</summary>
    public int Round { get; } = round;

    /// <summary>Each node's clock in ticks (a copy owned by the event).</summary>
    public long[] Clocks { get; } = clocks;

    /// <summary>Whether each node's clock advanced this round.</summary>
    public bool[] Ticked { get; } = ticked;

    /// <summary>halonctl's commands for this round.</summary>
    public IReadOnlyList<NodeCommand> Commands { get; } = commands;

    /// <summary>The master as the network last saw it (-1: none yet), so that faults can aim at it, as Jepsen's do.</summary>
    public int Master { get; } = master;
}
