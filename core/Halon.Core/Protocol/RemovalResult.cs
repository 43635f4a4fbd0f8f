using Halon.Core.Identity;

namespace Halon.Core.Protocol;

/// <summary>
/// The answer to <see cref="HalonNode.RemoveSatellite"/>. <see cref="Coordinator"/> is, when this node is not the
/// coordinator, the master it knows of (null when it knows none). <see cref="LogIndex"/> is the index of the removal
/// entry for <see cref="RemovalOutcome.Appended"/> and <see cref="RemovalOutcome.Pending"/>, and 0 otherwise.
/// </summary>
public sealed record RemovalResult(RemovalOutcome Outcome, string Message, NodeId? Coordinator = null, long LogIndex = 0)
{
    /// <summary>
    /// Whether the node is out of the table or on its way out: appended, pending, already removed, or unknown to the
    /// station (removing an absent node is not an error, so that a decommissioning run can be repeated).
    /// </summary>
    public bool Succeeded => Outcome is RemovalOutcome.Appended or RemovalOutcome.Pending or RemovalOutcome.AlreadyRemoved or RemovalOutcome.Unknown;
}
