using Halon.Core.Status;

namespace Halon.Ctl.Cluster;

/// <summary>One satellite the station knows, as it answered for itself (or why it did not).</summary>
/// <param name="Node">The satellite's id.</param>
/// <param name="Known">What the station's log says of it: acknowledged (or pending) and its incarnation.</param>
/// <param name="Status">Its own status, or null when it did not answer.</param>
/// <param name="Error">Why it did not answer, or null.</param>
/// <param name="Problems">What is wrong with it.</param>
internal sealed record SatelliteView(string Node, SatelliteStatus Known, NodeStatus? Status, string? Error, IReadOnlyList<ClusterProblem> Problems)
{
    public AnnouncerStatus? Announcer => Status?.Announcer;
}
