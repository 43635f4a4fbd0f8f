namespace Halon.Ctl.Removal;

/// <summary>
/// One satellite's result. <see cref="Result"/> is one of <c>removed</c> (its removal committed during this run),
/// <c>already-removed</c>, <c>absent</c> (the station has no record of it), <c>would-remove</c> (a dry run, which
/// reports <c>already-removed</c> and <c>absent</c> too), <c>refused</c> (the coordinator said no, and why) or
/// <c>failed</c> (no answer, or no commit, before the timeout).
/// </summary>
internal sealed record NodeRemoval(string Node, string Result, string Detail, long LogIndex)
{
    public const string Removed = "removed";
    public const string AlreadyRemoved = "already-removed";
    public const string Absent = "absent";
    public const string WouldRemove = "would-remove";
    public const string Refused = "refused";
    public const string Failed = "failed";

    /// <summary>Whether this result leaves the node out of the table (or, in a dry run, says what would).</summary>
    public bool Succeeded => Result is not (Refused or Failed);
}
