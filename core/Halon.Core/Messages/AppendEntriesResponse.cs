using Halon.Core.Identity;

namespace Halon.Core.Messages;

/// <summary>
/// A follower's answer to <see cref="AppendEntries"/>. On success <see cref="MatchIndex"/> is the last index known to
/// match the master's log; on failure <see cref="RejectHint"/> is an index the master may safely retry from.
/// </summary>
public sealed record AppendEntriesResponse(
    NodeId From,
    NodeId To,
    string ClusterId,
    long Term,
    bool Success,
    long MatchIndex,
    long RejectHint,
    long LeaderTick) : StationMessage(From, To, ClusterId, Term);
