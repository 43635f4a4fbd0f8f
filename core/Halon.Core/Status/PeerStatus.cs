namespace Halon.Core.Status;

/// <summary>
/// One station peer as seen from this node. <see cref="State"/> is the peer's supervisor state as it last reported
/// it, or why it is missing: <c>connection refused</c>, <c>no supervisor yet</c>, <c>different cluster …</c>,
/// <c>authentication failed</c> or <c>no reply</c>.
/// </summary>
public sealed record PeerStatus(string Node, bool Reachable, string State, long LastHeardTicksAgo);
