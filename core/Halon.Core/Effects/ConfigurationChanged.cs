using Halon.Core.Identity;

namespace Halon.Core.Effects;

/// <summary>
/// The station's configuration in force on this node became <paramref name="Config"/>, set by the entry at
/// <paramref name="Index"/> (0: the peer set the station was bootstrapped with). <paramref name="Committed"/> is false
/// when the entry was appended (a configuration takes effect then) and true when it committed; a configuration can
/// also fall back to an earlier one when an uncommitted entry is cut away.
/// </summary>
public sealed record ConfigurationChanged(StationConfig Config, long Index, bool Committed, string Reason) : Effect;
