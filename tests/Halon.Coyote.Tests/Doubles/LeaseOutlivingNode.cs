using Halon.Core.Protocol;
using Halon.Simulation.Coyote.Actors;

namespace Halon.Coyote.Tests.Doubles;

/// <summary>
/// Broken on purpose: while its coordinator runs, the host stops issuing ticks to the core, so the core never sees
/// its lease lapse and its coordinator outlives the lease. CoordinatorExclusivity judges by the node's clock and
/// must catch it.
/// </summary>
public sealed class LeaseOutlivingNode : NodeActor
{
    protected override bool DeliversTick(HalonNode core) => !core.CoordinatorRunning;
}
