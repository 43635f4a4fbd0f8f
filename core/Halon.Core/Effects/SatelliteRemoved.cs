using Halon.Core.Identity;

namespace Halon.Core.Effects;

/// <summary>
/// A station peer applied the committed removal of <paramref name="Satellite"/> (installation
/// <paramref name="InstallId"/>) at log index <paramref name="LogIndex"/>. <paramref name="Notified"/> says that this
/// peer runs the coordinator and told the satellite.
/// </summary>
public sealed record SatelliteRemoved(NodeId Satellite, long InstallId, long LogIndex, bool Notified) : Effect;
