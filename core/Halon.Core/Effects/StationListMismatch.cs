using Halon.Core.Identity;

namespace Halon.Core.Effects;

/// <summary>
/// A station peer answered this satellite as a peer of <paramref name="Reported"/>, which is not the station list
/// <paramref name="Configured"/> the satellite was bootstrapped with (a wrong port or name in the list, or a list of
/// another station). Emitted when the disagreement first appears or changes, not on every answer.
/// </summary>
public sealed record StationListMismatch(NodeId ReportedBy, PeerSet Reported, PeerSet Configured) : Effect;
