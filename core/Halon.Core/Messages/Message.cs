using Halon.Core.Identity;

namespace Halon.Core.Messages;

/// <summary>
/// A protocol message between two nodes. <see cref="From"/> is authenticated by the transport (the handshake proves
/// it) or by the simulator; the core still checks that a station message comes from a member of its peer set.
/// </summary>
public abstract record Message(NodeId From, NodeId To);
