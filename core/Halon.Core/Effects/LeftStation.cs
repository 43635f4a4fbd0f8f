using Halon.Core.Identity;

namespace Halon.Core.Effects;

/// <summary>
/// This station peer applied the committed configuration <paramref name="Config"/> (entry <paramref name="Index"/>),
/// which leaves it out: its supervisor stops, and stays stopped across restarts until it is added again.
/// </summary>
public sealed record LeftStation(StationConfig Config, long Index) : Effect;
