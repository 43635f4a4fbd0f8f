using Halon.Core.Identity;

namespace Halon.Core.Messages;

/// <summary>
/// A station peer that cannot acknowledge tells the satellite which master it knows of, if any. <see cref="Station"/>
/// is the answering node's own peer set, or null when it is no station peer (or predates the field).
/// </summary>
public sealed record NodeUpRedirect(NodeId From, NodeId To, NodeId? Leader, long Term, PeerSet? Station = null) : Message(From, To);
