using Halon.Core.Identity;

namespace Halon.Core.Protocol;

/// <summary>An operator's request to change a station's peers (<c>halonctl station add|remove|replace</c>).</summary>
public abstract record MembershipChange
{
    /// <summary>The text the operator would type: <c>add H:P</c>, <c>remove H:P</c>, <c>replace OLD NEW</c>.</summary>
    public abstract string Describe();
}

/// <summary>
/// Add <paramref name="Node"/>: it joins as a learner, catches up, and the master makes it a voter. The node must be
/// a <c>halond</c> told to join the station first (<see cref="HalonNode.JoinStation"/>).
/// </summary>
public sealed record AddPeer(NodeId Node) : MembershipChange
{
    public override string Describe() => $"add {Node}";
}

/// <summary>Remove <paramref name="Node"/> (a voter or a learner); removing the master itself is allowed.</summary>
public sealed record RemovePeer(NodeId Node) : MembershipChange
{
    public override string Describe() => $"remove {Node}";
}

/// <summary>
/// Replace <paramref name="Old"/> with <paramref name="New"/>: <paramref name="New"/> joins as a learner, catches up
/// and becomes a voter, then <paramref name="Old"/> is removed; the station never has fewer voters than before.
/// </summary>
public sealed record ReplacePeer(NodeId Old, NodeId New) : MembershipChange
{
    public override string Describe() => $"replace {Old} {New}";
}
