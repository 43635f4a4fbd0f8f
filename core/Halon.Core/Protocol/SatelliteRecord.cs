using Halon.Core.Messages;

namespace Halon.Core.Protocol;

/// <summary>The coordinator's record of one satellite, applied from a committed log entry.</summary>
public sealed record SatelliteRecord(long Incarnation, HostFacts Facts, long LogIndex);
