using Halon.Core.Identity;

namespace Halon.Core.Protocol;

/// <summary>
/// The answer to <see cref="HalonNode.ChangeStation"/>: the outcome and why, the master this node knows when it is not
/// the coordinator, the index of the entry appended (or of the change in flight), and the configuration in force.
/// </summary>
public sealed record MembershipResult(MembershipOutcome Outcome, string Message, NodeId? Master = null, long LogIndex = 0, StationConfig? Config = null)
{
    /// <summary>Whether the change is done or under way (appended, pending or already done).</summary>
    public bool Succeeded => Outcome is MembershipOutcome.Appended or MembershipOutcome.Pending or MembershipOutcome.AlreadyDone;
}
