using Halon.Core.Identity;

namespace Halon.Core.Messages;

/// <summary>
/// "Are you a running supervisor of my station?" Sent by every station peer, often while it waits for quorum and
/// slowly afterwards, so that status can say who is missing and why. Any node answers with a
/// <see cref="PeerProbeReply"/>, whatever its role.
/// </summary>
public sealed record PeerProbe(NodeId From, NodeId To, string ClusterId, long Term) : StationMessage(From, To, ClusterId, Term);
