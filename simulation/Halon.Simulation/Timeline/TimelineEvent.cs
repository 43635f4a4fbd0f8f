namespace Halon.Simulation.Timeline;

/// <summary>
/// One thing that happened, at <see cref="At"/> (in the timeline's unit: ticks for a simulation, milliseconds since
/// the first line for logs), on <see cref="Node"/> (null for the network and the checkers).
/// </summary>
public sealed record TimelineEvent(double At, string? Node, TimelineEventKind Kind)
{
    /// <summary>The term, for states.</summary>
    public long Term { get; init; }

    /// <summary>The coordinator's epoch, for coordinator events and acknowledgements.</summary>
    public long Epoch { get; init; }

    /// <summary>The supervisor state (<c>follower</c>, <c>master</c>, …) or the role taken.</summary>
    public string? State { get; init; }

    /// <summary>Free text shown on hover: a reason, a partition's shape, a violation.</summary>
    public string? Detail { get; init; }
}
