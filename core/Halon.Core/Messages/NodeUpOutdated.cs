using Halon.Core.Identity;

namespace Halon.Core.Messages;

/// <summary>
/// The coordinator's answer to an announcement that does not order after what the station recorded for that node:
/// a lower incarnation, or the same incarnation from another installation (a reinstalled node whose data dir was lost).
/// <see cref="InstallId"/> is the installation the announcement came from; <see cref="RecordedIncarnation"/> and
/// <see cref="RecordedInstallId"/> are what the station holds. The satellite of that installation takes incarnation
/// <see cref="RecordedIncarnation"/> + 1 when the record is above its own incarnation, or equal to it but from another
/// installation; it persists it and announces again. <see cref="Epoch"/> is the coordinator's, fenced like an
/// acknowledgement's.
/// </summary>
public sealed record NodeUpOutdated(NodeId From, NodeId To, long InstallId, long RecordedIncarnation, long RecordedInstallId, long Epoch) : Message(From, To);
