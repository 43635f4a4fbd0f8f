using Halon.Core.Identity;

namespace Halon.Core.Persistence;

/// <summary>
/// The coordinator takes <paramref name="Satellite"/> out of the station's table on an operator's request, and keeps
/// a tombstone of <paramref name="InstallId"/> (0 when the record had none): announcements from that installation are
/// refused from then on, and only a new installation (a fresh <c>halonctl satellite</c> bootstrap after the removal,
/// or a reinstalled node) is acknowledged again.
/// </summary>
public sealed record SatelliteRemovedCommand(NodeId Satellite, long InstallId) : EntryCommand;
