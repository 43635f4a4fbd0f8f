namespace Halon.Core;

/// <summary>Outcome of counting votes.</summary>
public enum VoteResult
{
    /// <summary>Neither a majority for nor a majority against has been reached yet.</summary>
    Pending,

    /// <summary>A majority granted.</summary>
    Won,

    /// <summary>A majority refused, so the vote cannot be won.</summary>
    Lost,
}

/// <summary>
/// Majority arithmetic, kept pure and tiny so it can be tested by table. Voters are counted as distinct nodes by the
/// callers; counting messages instead of voters is the classic Raft bug.
/// </summary>
public static class Quorum
{
    /// <summary>Votes needed out of <paramref name="members"/>: more than half. One node is its own majority.</summary>
    public static int MajorityOf(int members)
    {
        if (members < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(members), members, "a quorum needs at least one member");
        }

        return (members / 2) + 1;
    }

    /// <summary>
    /// Tallies distinct voters. Won as soon as <c>granted</c> reaches a majority; Lost as soon as the refusals make a
    /// majority unreachable (<c>rejected &gt; members - majority</c>); otherwise Pending.
    /// </summary>
    public static VoteResult Tally(int members, int granted, int rejected)
    {
        if (granted < 0 || rejected < 0 || granted + rejected > members)
        {
            throw new ArgumentOutOfRangeException(nameof(granted), $"{granted} granted and {rejected} rejected out of {members}");
        }

        var majority = MajorityOf(members);
        if (granted >= majority)
        {
            return VoteResult.Won;
        }

        return rejected > members - majority ? VoteResult.Lost : VoteResult.Pending;
    }

    /// <summary>
    /// The largest value that a majority of members has reached: the majority-th largest of <paramref name="values"/>.
    /// Used for the commit index (values are match indexes) and for the lease (values are acknowledged send ticks).
    /// Sorts <paramref name="values"/> in place.
    /// </summary>
    public static long MajorityValue(Span<long> values)
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException("no values to take a majority of", nameof(values));
        }

        values.Sort();
        // Ascending order: the majority-th largest sits at Length - majority. With 3 values [1,5,9] and majority 2,
        // index 1 gives 5: two nodes (5 and 9) have reached 5.
        return values[values.Length - MajorityOf(values.Length)];
    }
}
