using Monitor = Microsoft.Coyote.Specifications.Monitor;

namespace Halon.Simulation.Coyote.Monitors;

/// <summary>The nemesis healed every fault at the start of <see cref="Round"/>, and will inject none again.</summary>
public sealed class Healed(int round) : Monitor.Event
{
    /// <summary>The round of the heal.</summary>
    public int Round { get; } = round;
}
