using Halon.Core.Identity;

namespace Halon.Core.Effects;

/// <summary>
/// This satellite learnt from <paramref name="By"/> (coordinator epoch <paramref name="Epoch"/>) that the station
/// removed it; its announcer stopped, and stays stopped across restarts until the node is bootstrapped again.
/// </summary>
public sealed record RemovedFromStation(long InstallId, long Epoch, NodeId By) : Effect;
