using Halon.Core.Identity;

namespace Halon.Core.Messages;

/// <summary>
/// The coordinator's acknowledgement of a satellite's incarnation, sent only once it is committed. It carries the
/// coordinator's <see cref="Epoch"/>; satellites ignore epochs older than the newest they have seen (fencing).
/// <see cref="Station"/> is the acknowledging peer's own peer set, so that a satellite given a different station list
/// can tell (null from a peer that predates the field).
/// </summary>
public sealed record NodeUpAck(NodeId From, NodeId To, long Incarnation, long Epoch, PeerSet? Station = null) : Message(From, To);
