using Halon.Core.Identity;

namespace Halon.Core.Persistence;

/// <summary>
/// The Raft state that must be durable before any message of the same batch is sent: the current term, the vote
/// cast in it, and the commit index (kept so that a restarted node re-applies what it knew to be committed).
/// </summary>
public readonly record struct HardState(long Term, NodeId? VotedFor, long CommitIndex)
{
    /// <summary>The state of a node that has never voted.</summary>
    public static HardState Initial => new(0, null, 0);
}
