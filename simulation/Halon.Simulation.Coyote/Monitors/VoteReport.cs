using Halon.Core.Identity;
using Monitor = Microsoft.Coyote.Specifications.Monitor;

namespace Halon.Simulation.Coyote.Monitors;

/// <summary>
/// What a node actor tells <see cref="LeaseRule"/> when a batch it is about to send grants a vote or a pre-vote, or
/// when the node starts a campaign: the ground truth of its last contact with a master (the last AppendEntries its core
/// accepted, or its restart as a station peer), against which the withholding rule is judged.
/// </summary>
public sealed class VoteReport : Monitor.Event
{
    /// <summary>The voter.</summary>
    public required NodeId Id { get; init; }

    /// <summary>Counts the node's restarts; ticks and contacts belong to one generation.</summary>
    public required int Generation { get; init; }

    /// <summary>The node's tick count (since its start) when it voted.</summary>
    public required long Now { get; init; }

    /// <summary>The tick of its last contact in this generation, or null if it never had one.</summary>
    public long? ContactAt { get; init; }

    /// <summary>Who it heard from at that contact (null: its restart).</summary>
    public NodeId? ContactMaster { get; init; }

    /// <summary>The votes and pre-votes it grants in this batch, and its own campaign, if any: (term, candidate, pre-vote).</summary>
    public required IReadOnlyList<(long Term, NodeId Candidate, bool PreVote)> Votes { get; init; }
}
