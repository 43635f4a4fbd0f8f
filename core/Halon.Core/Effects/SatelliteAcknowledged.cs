using Halon.Core.Identity;

namespace Halon.Core.Effects;

/// <summary>The coordinator of <paramref name="Epoch"/> sent an acknowledgement of a committed satellite incarnation.</summary>
public sealed record SatelliteAcknowledged(NodeId Satellite, long Incarnation, long Epoch, string Hostname) : Effect;
