using Microsoft.Coyote.Actors;

namespace Halon.Simulation.Coyote.Events;

/// <summary>
/// The network to the clock: every input of <see cref="Round"/> was handled and every message due in it was delivered
/// or dropped. Messages delayed to later rounds may still be in flight.
/// </summary>
public sealed class RoundDone(int round, int master) : Event
{
    /// <summary>The round that finished.</summary>
    public int Round { get; } = round;

    /// <summary>The node that last replicated as master in the highest term the network has carried, or -1.</summary>
    public int Master { get; } = master;
}
