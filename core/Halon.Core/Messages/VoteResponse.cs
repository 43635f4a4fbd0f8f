using Halon.Core.Identity;

namespace Halon.Core.Messages;

/// <summary>The answer to a <see cref="VoteRequest"/>. A granted pre-vote carries the request's term.</summary>
public sealed record VoteResponse(NodeId From, NodeId To, string ClusterId, long Term, bool Granted, bool PreVote)
    : StationMessage(From, To, ClusterId, Term);
