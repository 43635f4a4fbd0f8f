using Halon.Core.Identity;
using Halon.Core.Persistence;
using Halon.Simulation.Checking;

namespace Halon.Simulation.Tests;

/// <summary>Hand-made histories for the checkers of votes, the lease, check-quorum and leader completeness.</summary>
public sealed class LeaseCheckerSelfTests
{
    private static readonly NodeId s_p1 = NodeId.Parse("p1:9070");
    private static readonly NodeId s_p2 = NodeId.Parse("p2:9070");
    private static readonly NodeId s_p3 = NodeId.Parse("p3:9070");

    private static InvariantMonitor Monitor() => new() { ElectionTimeoutTicks = 15, TickPeriodMin = 1000 };

    [Fact]
    public void A_second_vote_in_a_term_is_flagged_and_a_repeated_vote_is_not()
    {
        var monitor = Monitor();
        monitor.ObserveVoteGranted(s_p2, generation: 0, tick: 100, term: 4, s_p1, preVote: false);
        monitor.ObserveVoteGranted(s_p2, generation: 0, tick: 101, term: 4, s_p1, preVote: false);
        monitor.ObserveVoteGranted(s_p2, generation: 1, tick: 40, term: 5, s_p3, preVote: false);
        Assert.Empty(monitor.Violations);
        // After a restart (generation 1) the same voter votes again in term 4, for someone else.
        monitor.ObserveVoteGranted(s_p2, generation: 1, tick: 60, term: 4, s_p3, preVote: false);
        var violation = Assert.Single(monitor.Violations);
        Assert.Equal(Invariant.ElectionSafety, violation.Invariant);
        Assert.Contains("voted twice in term 4", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_candidate_that_voted_for_another_in_its_term_is_flagged()
    {
        var monitor = Monitor();
        monitor.ObserveVoteGranted(s_p2, 0, 100, term: 4, s_p1, preVote: false);
        monitor.ObserveCampaign(s_p2, 0, 130, term: 4, preVote: false);
        Assert.Equal(Invariant.ElectionSafety, Assert.Single(monitor.Violations).Invariant);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_grant_within_E_of_a_master_heartbeat_is_flagged_and_after_E_is_not(bool preVote)
    {
        var monitor = Monitor();
        monitor.ObserveMasterContact(s_p2, generation: 0, tick: 100, s_p1, term: 3);
        monitor.ObserveVoteGranted(s_p2, 0, tick: 115, term: 4, s_p3, preVote);
        Assert.Empty(monitor.Violations);
        monitor.ObserveMasterContact(s_p2, 0, tick: 120, s_p1, term: 3);
        monitor.ObserveVoteGranted(s_p2, 0, tick: 134, term: 5, s_p3, preVote);
        var violation = Assert.Single(monitor.Violations);
        Assert.Equal(Invariant.LeaseRule, violation.Invariant);
        Assert.Contains("14 ticks after accepting a heartbeat of master p1:9070", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_campaign_within_E_of_a_restart_is_flagged_and_a_contact_of_an_older_generation_does_not_count()
    {
        var monitor = Monitor();
        monitor.ObserveMasterContact(s_p3, generation: 0, tick: 500, s_p1, term: 1);
        monitor.ObserveCampaign(s_p3, generation: 1, tick: 3, term: 2, preVote: true); // Generation 1 knows of no contact.
        Assert.Empty(monitor.Violations);
        monitor.ObserveStationStart(s_p3, generation: 2);
        monitor.ObserveCampaign(s_p3, generation: 2, tick: 5, term: 2, preVote: true);
        var violation = Assert.Single(monitor.Violations);
        Assert.Equal(Invariant.LeaseRule, violation.Invariant);
        Assert.Contains("after its restart", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Authority_past_the_earliest_vote_of_the_fastest_follower_is_flagged()
    {
        var monitor = Monitor();
        // Lease start at real time 10,000; the fastest follower may vote from 10,000 + 14 × 1,000 = 24,000 on.
        monitor.ObserveAuthority(s_p1, epoch: 2, authorityUntil: 24_000, leaseStart: 10_000, timeUnitsPerTick: 1000);
        Assert.Empty(monitor.Violations);
        monitor.ObserveAuthority(s_p1, epoch: 2, authorityUntil: 24_001, leaseStart: 10_000, timeUnitsPerTick: 1000);
        monitor.ObserveAuthority(s_p1, epoch: 2, authorityUntil: 24_500, leaseStart: 10_000, timeUnitsPerTick: 1000); // Reported once.
        var violation = Assert.Single(monitor.Violations);
        Assert.Equal(Invariant.LeaseRule, violation.Invariant);
        Assert.Contains("epoch 2 on p1:9070", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_master_that_no_majority_answered_for_more_than_E_ticks_is_flagged()
    {
        var monitor = Monitor();
        monitor.ObserveMasterStart(s_p1, term: 2, tick: 100);
        monitor.ObserveMasterAnswer(s_p1, 2, s_p2, masterTick: 110);
        monitor.ObserveMasterTick(s_p1, 2, tick: 125, voters: [s_p1, s_p2, s_p3]);
        Assert.Empty(monitor.Violations);
        monitor.ObserveMasterAnswer(s_p1, 1, s_p3, masterTick: 126); // An answer of another term does not count.
        monitor.ObserveMasterTick(s_p1, 2, tick: 126, voters: [s_p1, s_p2, s_p3]);
        Assert.Equal(Invariant.LeaseRule, Assert.Single(monitor.Violations).Invariant);
    }

    [Fact]
    public void A_master_without_an_entry_committed_in_an_earlier_term_is_flagged()
    {
        var monitor = Monitor();
        LogEntry[] log = [new LogEntry(1, 1, NoOpCommand.Instance), new LogEntry(2, 2, NoOpCommand.Instance)];
        monitor.ObserveCommit(s_p1, log, 0, 2, commitTerm: 2);
        // A master of term 2 elected late by delayed votes need not hold what term 2 committed; one of term 3 must.
        monitor.ObserveMaster(s_p3, 2, [log[0]]);
        Assert.Empty(monitor.Violations);
        monitor.ObserveMaster(s_p2, 3, [log[0], new LogEntry(2, 1, NoOpCommand.Instance)]);
        var violation = Assert.Single(monitor.Violations);
        Assert.Equal(Invariant.LogMatching, violation.Invariant);
        Assert.Contains("without the committed entry 2", violation.Message, StringComparison.Ordinal);
    }
}
