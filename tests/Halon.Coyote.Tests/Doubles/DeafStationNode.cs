using Halon.Core.Messages;
using Halon.Core.Protocol;
using Halon.Simulation.Coyote.Actors;

namespace Halon.Coyote.Tests.Doubles;

/// <summary>
/// Broken on purpose: station peers never hand a satellite's announcement to their core, so no satellite is ever
/// acknowledged. Liveness must end the iteration hot.
/// </summary>
public sealed class DeafStationNode : NodeActor
{
    protected override bool Accepts(HalonNode core, Message message) => message is not NodeUp;
}
