using Monitor = Microsoft.Coyote.Specifications.Monitor;

namespace Halon.Simulation.Coyote.Monitors;

/// <summary>
/// The clock started <see cref="Round"/>: <see cref="Clocks"/> holds every node's clock from now on, whether or not the
/// node has processed those ticks yet. A coordinator's authority is judged by this clock.
/// </summary>
public sealed class ClockAdvanced(int round, long[] clocks) : Monitor.Event
{
    /// <summary>The round, from 1.</summary>
    public int Round { get; } = round;

    /// <summary>Each node's clock in ticks since the iteration began (a copy owned by the event).</summary>
    public long[] Clocks { get; } = clocks;
}
