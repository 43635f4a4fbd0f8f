namespace Halon.Ctl.Cluster;

/// <summary>
/// One thing wrong in a cluster-wide status: a stable <see cref="Code"/> for scripts, the node it is about (or null for
/// the station as a whole), and a one-line <see cref="Detail"/> for people.
/// </summary>
/// <param name="Code">
/// <c>unreachable</c>, <c>not-a-peer</c>, <c>different-cluster</c>, <c>waiting-for-quorum</c>, <c>no-quorum</c>,
/// <c>no-coordinator</c>, <c>several-masters</c>, <c>different-term</c>, <c>different-master</c>,
/// <c>different-coordinator</c>, <c>not-acknowledged</c> or <c>station-list-mismatch</c>.
/// </param>
/// <param name="Node">The node it is about, or null for the station as a whole.</param>
/// <param name="Detail">One line for people.</param>
internal sealed record ClusterProblem(string Code, string? Node, string Detail)
{
    public override string ToString() => Node is null || Detail.StartsWith(Node, StringComparison.Ordinal) ? $"{Code}: {Detail}" : $"{Code}: {Node}: {Detail}";
}
