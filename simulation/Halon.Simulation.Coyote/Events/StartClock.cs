using Microsoft.Coyote.Actors;

namespace Halon.Simulation.Coyote.Events;

/// <summary>Sent to the clock once every actor exists: the first round may begin.</summary>
public sealed class StartClock : Event
{
}
