namespace Halon.Core.Status;

/// <summary>
/// A station peer's configuration as status shows it: the voters, the learners with how far each has caught up (on
/// the master; -1 elsewhere), the voters a replacement will retire, the index of the entry that set it (0: the
/// bootstrap peer set) and whether that entry is committed. <see cref="Change"/> says in words what is under way, or
/// is empty.
/// </summary>
public sealed record ConfigurationStatus(
    IReadOnlyList<string> Voters,
    IReadOnlyList<LearnerStatus> Learners,
    IReadOnlyList<string> Retiring,
    long Index,
    bool Committed,
    string Change);

/// <summary>A learner: <see cref="MatchIndex"/> of <see cref="CommitIndex"/> committed entries held (-1: unknown here).</summary>
public sealed record LearnerStatus(string Node, long MatchIndex, long CommitIndex);
