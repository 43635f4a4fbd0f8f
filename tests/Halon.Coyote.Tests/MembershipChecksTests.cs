using Halon.Core.Identity;
using Halon.Simulation.Coyote.Monitors;

namespace Halon.Coyote.Tests;

/// <summary>The membership rules of the Coyote monitors, fed violating histories (and the same without the fault).</summary>
public sealed class MembershipChecksTests
{
    private static NodeId[] Nodes(params int[] numbers) => numbers.Select(n => NodeId.Parse($"p{n}:9070")).ToArray();

    [Fact]
    public void Two_configuration_entries_beyond_every_commit_are_two_changes_in_flight()
    {
        var p1 = Nodes(1)[0];
        Assert.Null(MembershipChecks.InFlight(p1, [7], committed: 5));
        Assert.Null(MembershipChecks.InFlight(p1, [5, 7], committed: 5)); // 5 is committed, whoever knows it
        Assert.Contains("two changes in flight", MembershipChecks.InFlight(p1, [6, 7], committed: 5), StringComparison.Ordinal);
    }

    [Fact]
    public void An_election_needs_the_votes_of_a_majority_of_the_winners_voters()
    {
        var voters = Nodes(1, 2, 3);
        Assert.Null(MembershipChecks.Election(voters[0], 4, voters, Nodes(1, 3)));
        Assert.Contains("short of a majority", MembershipChecks.Election(voters[0], 4, voters, Nodes(1, 4)), StringComparison.Ordinal); // p4 is no voter
        Assert.Contains("is no voter", MembershipChecks.Election(Nodes(4)[0], 4, voters, Nodes(1, 2, 4)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_commit_rests_on_a_majority_of_the_configuration_it_was_counted_with()
    {
        var master = Nodes(1)[0];
        var old = Nodes(1, 2, 3);
        var grown = Nodes(1, 2, 3, 4);
        var match = new Dictionary<NodeId, long> { [Nodes(2)[0]] = 9, [Nodes(3)[0]] = 4 };
        Assert.Equal(old, MembershipChecks.Commit(master, 9, old, old, match).Used);
        Assert.Equal(old, MembershipChecks.Commit(master, 9, old, grown, match).Used); // counted before appending p4's promotion
        Assert.NotNull(MembershipChecks.Commit(master, 9, grown, grown, match).Problem); // the old majority only
        match[Nodes(4)[0]] = 9;
        Assert.Equal(grown, MembershipChecks.Commit(master, 9, grown, grown, match).Used);
    }

    [Fact]
    public void A_lease_may_not_outlast_what_a_majority_echoed()
    {
        var p1 = Nodes(1)[0];
        Assert.Null(MembershipChecks.Lease(p1, leaseEnd: 13, echoedLeaseStart: 10, leaseTicks: 3));
        Assert.NotNull(MembershipChecks.Lease(p1, leaseEnd: 14, echoedLeaseStart: 10, leaseTicks: 3));
    }

    [Theory]
    [InlineData(new[] { 1, 2, 3 }, new[] { 1, 2, 3, 4 }, true)]
    [InlineData(new[] { 1, 2, 3 }, new[] { 1, 2, 4 }, false)]
    [InlineData(new[] { 1, 2, 3 }, new[] { 1, 2, 3, 4, 5 }, false)]
    [InlineData(new[] { 1 }, new[] { 1, 2 }, true)]
    public void Decisions_on_configurations_two_voters_apart_need_not_meet(int[] a, int[] b, bool meet)
    {
        var problem = MembershipChecks.Intersection(Nodes(1)[0], "lease", Nodes(a), "another", Nodes(b));
        Assert.Equal(meet, problem is null);
        Assert.Equal(meet, MembershipChecks.MajoritiesIntersect(Nodes(b), Nodes(a)));
    }
}
