using Halon.Core.Identity;

namespace Halon.Core.Messages;

/// <summary>
/// A (pre-)vote request. For a pre-vote, <see cref="StationMessage.Term"/> is the term the sender would campaign in
/// (its term + 1), and nobody changes term because of it.
/// </summary>
public sealed record VoteRequest(NodeId From, NodeId To, string ClusterId, long Term, long LastLogIndex, long LastLogTerm, bool PreVote)
    : StationMessage(From, To, ClusterId, Term);
