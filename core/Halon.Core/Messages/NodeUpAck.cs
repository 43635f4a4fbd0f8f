using Halon.Core.Identity;

namespace Halon.Core.Messages;

/// <summary>
/// The coordinator's acknowledgement of a satellite's incarnation, sent only once it is committed. It carries the
/// coordinator's <see cref="Epoch"/>; satellites ignore epochs older than the newest they have seen (fencing).
/// <see cref="Station"/> is the acknowledging peer's own peer set, so that a satellite given a different station list
/// can tell (null from a peer that predates the field).
/// </summary>
public sealed record NodeUpAck(NodeId From, NodeId To, long Incarnation, long Epoch, PeerSet? Station = null) : Message(From, To)
{
    /// <summary>
    /// The installation whose incarnation is acknowledged (0: unknown, from a record without one or a peer that
    /// predates the field). A satellite bootstrapped again after its removal, or reinstalled, starts again at
    /// incarnation 1, so the incarnation alone cannot tell a late acknowledgement of the old installation from one of
    /// its own: the installation id can.
    /// </summary>
    public long InstallId { get; init; }
}
