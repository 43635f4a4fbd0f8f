namespace Halon.Core.Protocol;

/// <summary>
/// Why a message was dropped, as a small closed set (for counting: a metric label, a sweep's tally). The free-text
/// <see cref="StepResult.DropReason"/> says the rest.
/// </summary>
public enum DropCategory
{
    /// <summary>Not dropped.</summary>
    None,

    /// <summary>Addressed to another node.</summary>
    Misaddressed,

    /// <summary>From a node outside this station's peer set, or outside this satellite's station.</summary>
    NotAMember,

    /// <summary>From a peer of another station (a different cluster id).</summary>
    OtherStation,

    /// <summary>A message for a role or state this node is not in (a station message at a satellite, a NodeUp at a non-peer).</summary>
    RoleMismatch,

    /// <summary>Carries a term older than this node's.</summary>
    StaleTerm,

    /// <summary>A late answer: the election, incarnation or exchange it answers is over.</summary>
    Outdated,

    /// <summary>Carries a coordinator epoch older than one already seen (fencing).</summary>
    Fenced,

    /// <summary>A vote request refused without an answer: a master's lease may still hold.</summary>
    VoteWithheld,

    /// <summary>Fields that cannot be right: malformed entries, impossible indexes, an unknown type.</summary>
    Malformed,

    /// <summary>A bound was reached (acknowledgements waiting for commit, satellites tracked); the sender retries.</summary>
    LimitReached,

    /// <summary>An announcement from a satellite installation the station removed (told so), or one whose removal waits for commit.</summary>
    Removed,

    /// <summary>None of the above.</summary>
    Other,
}
