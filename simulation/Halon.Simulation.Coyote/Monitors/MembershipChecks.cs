using Halon.Core;
using Halon.Core.Identity;

namespace Halon.Simulation.Coyote.Monitors;

/// <summary>
/// The membership rules the Coyote monitors judge, as pure functions over what node actors report (so that the tests
/// can feed them violating histories): each returns null when the rule holds, else what broke.
/// </summary>
public static class MembershipChecks
{
    /// <summary>
    /// At most one configuration change in flight: of the configuration entries a node's log holds beyond its commit
    /// (<paramref name="uncommittedConfigIndexes"/>), at most one may lie beyond <paramref name="committed"/>, the
    /// highest commit index any node has reported (an entry at or below it is committed, whoever knows it).
    /// </summary>
    public static string? InFlight(NodeId node, IReadOnlyList<long> uncommittedConfigIndexes, long committed)
    {
        ArgumentNullException.ThrowIfNull(uncommittedConfigIndexes);
        var beyond = uncommittedConfigIndexes.Where(i => i > committed).Order().ToArray();
        return beyond.Length <= 1
            ? null
            : $"{node}'s log holds {beyond.Length} configuration entries beyond the commit (index {committed}), at {string.Join(", ", beyond)}: two changes in flight at once";
    }

    /// <summary>
    /// An election win: <paramref name="winner"/> must be one of <paramref name="voters"/> (its configuration's) and
    /// the votes cast for it in <paramref name="term"/> by those voters must be a majority of them.
    /// </summary>
    public static string? Election(NodeId winner, long term, IReadOnlyList<NodeId> voters, IEnumerable<NodeId> votesFor)
    {
        ArgumentNullException.ThrowIfNull(voters);
        ArgumentNullException.ThrowIfNull(votesFor);
        if (!voters.Contains(winner))
        {
            return $"{winner} won term {term} but is no voter of its configuration ({string.Join(',', voters)})";
        }

        var counted = votesFor.Distinct().Count(voters.Contains);
        return counted >= Quorum.MajorityOf(voters.Count)
            ? null
            : $"{winner} won term {term} with {counted} votes of the voters of its configuration ({string.Join(',', voters)}), short of a majority ({Quorum.MajorityOf(voters.Count)})";
    }

    /// <summary>
    /// A commit by counting up to <paramref name="toIndex"/>: the voters that said (in answers delivered to the master
    /// in its term, <paramref name="match"/>) they hold it, and the master itself when it votes, must make a majority of
    /// the configuration in force when it counted: <paramref name="before"/> (in force before the step) or
    /// <paramref name="after"/> (appended in the same step). Returns the voters it rests on, or null with the problem.
    /// </summary>
    public static (IReadOnlyList<NodeId>? Used, string? Problem) Commit(NodeId master, long toIndex, IReadOnlyList<NodeId> before, IReadOnlyList<NodeId> after, IReadOnlyDictionary<NodeId, long> match)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        ArgumentNullException.ThrowIfNull(match);
        int Holding(IReadOnlyList<NodeId> voters) => voters.Count(v => v.Equals(master) || match.GetValueOrDefault(v, -1) >= toIndex);
        if (Holding(after) >= Quorum.MajorityOf(after.Count))
        {
            return (after, null);
        }

        return Holding(before) >= Quorum.MajorityOf(before.Count)
            ? (before, null)
            : (null, $"{master} committed up to index {toIndex}, but only {Holding(after)} of its voters ({string.Join(',', after)}) said they hold it");
    }

    /// <summary>
    /// A lease: the lease the core claims (ending at <paramref name="leaseEnd"/>) must rest on the heartbeats a majority
    /// of its voters really echoed (<paramref name="echoedLeaseStart"/>, in the same clock), so it ends no later than
    /// that start plus <paramref name="leaseTicks"/>.
    /// </summary>
    public static string? Lease(NodeId master, long leaseEnd, long echoedLeaseStart, int leaseTicks) =>
        leaseEnd <= echoedLeaseStart + leaseTicks
            ? null
            : $"the lease of {master} ends at {leaseEnd}, but a majority of its voters echoed no heartbeat later than {echoedLeaseStart} (lease {leaseTicks} ticks)";

    /// <summary>Whether every majority of <paramref name="a"/> meets every majority of <paramref name="b"/> (see the simulator's checker for the argument).</summary>
    public static bool MajoritiesIntersect(IReadOnlyCollection<NodeId> a, IReadOnlyCollection<NodeId> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var common = a.Count(b.Contains);
        var forcedA = Math.Max(0, Quorum.MajorityOf(a.Count) - (a.Count - common));
        var forcedB = Math.Max(0, Quorum.MajorityOf(b.Count) - (b.Count - common));
        return forcedA + forcedB > common;
    }

    /// <summary>
    /// Quorum intersection of a decision on <paramref name="voters"/>: every majority of them meets every majority of
    /// <paramref name="other"/>, the configuration of another live coordinator or the newest committed one.
    /// </summary>
    public static string? Intersection(NodeId node, string decision, IReadOnlyList<NodeId> voters, string otherName, IReadOnlyList<NodeId> other) =>
        MajoritiesIntersect(voters, other)
            ? null
            : $"the {decision} of {node} rests on a majority of {string.Join(',', voters)}, which need not meet a majority of {string.Join(',', other)} ({otherName})";
}
