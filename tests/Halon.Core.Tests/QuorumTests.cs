using Halon.Core;

namespace Halon.Core.Tests;

public sealed class QuorumTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)] // Two peers need both: a 2-peer station tolerates no failure.
    [InlineData(3, 2)]
    [InlineData(4, 3)]
    [InlineData(5, 3)]
    [InlineData(6, 4)]
    [InlineData(7, 4)]
    public void MajorityOf_is_more_than_half(int members, int majority)
    {
        Assert.Equal(majority, Quorum.MajorityOf(members));
    }

    [Fact]
    public void MajorityOf_rejects_an_empty_set()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Quorum.MajorityOf(0));
    }

    [Theory]
    [InlineData(1, 1, 0, VoteResult.Won)]
    [InlineData(1, 0, 1, VoteResult.Lost)]
    [InlineData(3, 1, 0, VoteResult.Pending)]
    [InlineData(3, 2, 0, VoteResult.Won)]
    [InlineData(3, 1, 1, VoteResult.Pending)]
    [InlineData(3, 1, 2, VoteResult.Lost)]
    [InlineData(3, 0, 2, VoteResult.Lost)] // Two refusals of three: a majority can no longer be reached.
    [InlineData(4, 2, 2, VoteResult.Lost)] // An even split of four loses: three are needed.
    [InlineData(4, 2, 1, VoteResult.Pending)]
    [InlineData(5, 3, 2, VoteResult.Won)]
    [InlineData(5, 2, 2, VoteResult.Pending)]
    [InlineData(5, 2, 3, VoteResult.Lost)]
    [InlineData(7, 4, 0, VoteResult.Won)]
    [InlineData(7, 3, 3, VoteResult.Pending)]
    [InlineData(7, 3, 4, VoteResult.Lost)]
    public void Tally_counts_distinct_voters(int members, int granted, int rejected, VoteResult expected)
    {
        Assert.Equal(expected, Quorum.Tally(members, granted, rejected));
    }

    [Fact]
    public void Tally_rejects_more_votes_than_voters()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Quorum.Tally(3, 2, 2));
    }

    [Theory]
    [InlineData(new long[] { 7 }, 7)]
    [InlineData(new long[] { 1, 5, 9 }, 5)]
    [InlineData(new long[] { 9, 1, 5 }, 5)]
    [InlineData(new long[] { 3, 3, 0 }, 3)]
    [InlineData(new long[] { 4, 0 }, 0)] // Two members: both must have reached it.
    [InlineData(new long[] { 10, 8, 6, 4, 2 }, 6)]
    [InlineData(new long[] { 10, 10, 0, 0, 0 }, 0)]
    [InlineData(new long[] { 7, 7, 7, 1, 1, 1, 1 }, 1)]
    [InlineData(new long[] { 7, 7, 7, 7, 1, 1, 1 }, 7)]
    public void MajorityValue_is_what_a_majority_has_reached(long[] values, long expected)
    {
        Assert.Equal(expected, Quorum.MajorityValue(values.AsSpan()));
    }

    [Theory]
    [InlineData(15, 1.1, 11)]
    [InlineData(10, 1.1, 7)]
    [InlineData(5, 1.0, 3)]
    [InlineData(30, 1.5, 18)]
    public void Lease_is_derived_from_the_election_timeout_and_the_drift_bound(int electionTimeoutTicks, double drift, int leaseTicks)
    {
        var options = new ProtocolOptions { ElectionTimeoutTicks = electionTimeoutTicks, ClockDriftFactor = drift };
        Assert.Equal(leaseTicks, options.LeaseTicks);
        // A follower withholds its vote for E ticks of its clock, which last at least (E - 1) / ρ ticks of the master's.
        Assert.True(options.LeaseTicks < (electionTimeoutTicks - 1) / drift);
    }

    [Fact]
    public void Options_that_break_the_lease_argument_are_refused()
    {
        var options = new ProtocolOptions { ElectionTimeoutTicks = 5, HeartbeatIntervalTicks = 3 };
        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("lease", error.Message, StringComparison.Ordinal);
    }
}
