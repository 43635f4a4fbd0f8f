using Halon.Core.Identity;

namespace Halon.Core.Messages;

/// <summary>
/// The coordinator tells a satellite that the station removed installation <see cref="InstallId"/> of it: sent when
/// the removal is applied and in answer to every later announcement of that installation. The satellite of that
/// installation stops announcing and stays removed, across restarts, until it is bootstrapped again.
/// <see cref="Epoch"/> is the coordinator's, fenced like an acknowledgement's; <see cref="Station"/> is the sender's
/// peer set.
/// </summary>
public sealed record NodeUpRemoved(NodeId From, NodeId To, long InstallId, long Epoch, PeerSet? Station = null) : Message(From, To);
