using Halon.Core.Identity;
using Halon.Core.Messages;

namespace Halon.Core.Persistence;

/// <summary>The coordinator acknowledges <paramref name="Satellite"/> in <paramref name="Incarnation"/>, with its facts.</summary>
public sealed record SatelliteAcknowledgedCommand(NodeId Satellite, long Incarnation, HostFacts Facts) : EntryCommand;
