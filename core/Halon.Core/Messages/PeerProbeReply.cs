using Halon.Core.Identity;

namespace Halon.Core.Messages;

/// <summary>
/// The answer to a <see cref="PeerProbe"/>: the responder's role, its station's id (empty if it has none), its
/// supervisor state, term and the master it knows of.
/// </summary>
public sealed record PeerProbeReply(
    NodeId From,
    NodeId To,
    NodeRole Role,
    string ResponderClusterId,
    SupervisorState State,
    long Term,
    NodeId? Leader) : Message(From, To);
