using Halon.Core.Status;

namespace Halon.Ctl.Bootstrap;

/// <summary>
/// Where a wait stands: <see cref="Done"/>, and a line that says what was reached or exactly what is still missing.
/// The line is for people; the other properties carry the same facts as data for <c>--json</c>.
/// </summary>
internal sealed record Progress(bool Done, string Line)
{
    /// <summary>Set when waiting longer cannot help (a station list that is not the station's): stop and fail.</summary>
    public bool Hopeless { get; init; }

    /// <summary>The running coordinator the nodes agree on, when there is one.</summary>
    public CoordinatorInfo? Coordinator { get; init; }

    /// <summary>The station's newest term among the nodes that answered, or null.</summary>
    public long? Term { get; init; }

    /// <summary>The nodes acted on that have not yet reached the goal (by the address dialled).</summary>
    public IReadOnlyList<string> Pending { get; init; } = [];

    /// <summary>Satellites acknowledged so far (satellite bootstraps only).</summary>
    public int? Acknowledged { get; init; }
}
