using Halon.Core.Messages;

namespace Halon.Simulation.Coyote.Actors;

/// <summary>A message the network holds: from and to node indexes, and the round from which it may be delivered.</summary>
internal readonly record struct InFlight(Message Message, int From, int To, int DueRound);
