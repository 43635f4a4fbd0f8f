using Halon.Core.Identity;

namespace Halon.Core.Effects;

/// <summary>
/// A satellite learned from the coordinator on <paramref name="By"/> that the station recorded incarnation
/// <paramref name="Recorded"/> for it (it was reinstalled, or its data dir was restored from an old copy), and took
/// incarnation <paramref name="To"/> = <paramref name="Recorded"/> + 1 in place of <paramref name="From"/>.
/// </summary>
public sealed record IncarnationAdvanced(long From, long To, long Recorded, NodeId By) : Effect;
