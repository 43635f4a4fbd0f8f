using Microsoft.Coyote.Actors;

namespace Halon.Simulation.Coyote.Events;

/// <summary>
/// The iteration is over: the receiving actor leaves its receive loop. Every actor waits for its next event in a
/// receive loop rather than in per-event handlers, because Coyote 1.7 starts a new thread each time an idle actor's
/// handler is woken, and a loop keeps one; an actor still waiting to receive when the program ends would count as a
/// deadlock, hence this event.
/// </summary>
public sealed class Stop : Event
{
}
