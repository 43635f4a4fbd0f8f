using System.Text.RegularExpressions;
using Halon.Core.Identity;
using Halon.Core.Persistence;
using Halon.Simulation.Checking;

namespace Halon.Simulation.Tests;

/// <summary>
/// Hand-made histories that break each membership invariant (config-change, config-agreement, quorum-intersection):
/// the checkers must flag every one, and pass the same history without the fault.
/// </summary>
public sealed class MembershipCheckerSelfTests
{
    private static readonly NodeId s_p1 = NodeId.Parse("p1:9070");
    private static readonly NodeId s_p2 = NodeId.Parse("p2:9070");
    private static readonly NodeId s_p3 = NodeId.Parse("p3:9070");
    private static readonly NodeId s_p4 = NodeId.Parse("p4:9070");
    private static readonly StationConfig s_three = Config("p1,p2,p3");

    /// <summary><c>p1,p2;learners=p3</c> with every name given its port.</summary>
    private static StationConfig Config(string text) => StationConfig.Parse(Regex.Replace(text, @"p\d+", m => m.Value + ":9070"));

    private static LogEntry Entry(long index, long term, StationConfig? config = null) =>
        new(index, term, config is null ? NoOpCommand.Instance : new StationConfigCommand(config));

    private static InvariantMonitor Monitor()
    {
        var monitor = new InvariantMonitor();
        monitor.ObserveStationBootstrap(s_three);
        return monitor;
    }

    [Theory]
    [InlineData("p1,p2,p3", "p1,p2,p3", true)]
    [InlineData("p1,p2,p3", "p1,p2,p3,p4", true)] // one voter added
    [InlineData("p1,p2,p3,p4", "p1,p2,p3", true)] // one voter removed
    [InlineData("p1", "p1,p2", true)]
    [InlineData("p1,p2", "p1,p2,p3", true)]
    [InlineData("p1,p2,p3", "p1,p2,p4", false)] // a replacement in one step: {p1, p3} and {p2, p4} miss each other
    [InlineData("p1,p2,p3", "p1,p2,p3,p4,p5", false)] // two voters added at once: {p1, p2} and {p3, p4, p5}
    [InlineData("p1", "p2", false)]
    [InlineData("p1,p2,p3,p4,p5,p6,p7", "p1,p2,p3,p4,p5,p6", true)]
    public void Majorities_intersect_exactly_when_no_two_can_avoid_each_other(string a, string b, bool intersect)
    {
        Assert.Equal(intersect, InvariantMonitor.MajoritiesIntersect(Config(a).Voters, Config(b).Voters));
        Assert.Equal(intersect, InvariantMonitor.MajoritiesIntersect(Config(b).Voters, Config(a).Voters));
    }

    [Fact]
    public void Two_configurations_in_a_row_two_voters_apart_are_flagged()
    {
        var monitor = Monitor();
        LogEntry[] log = [Entry(1, 1), Entry(2, 1, Config("p1,p2,p3;learners=p4")), Entry(3, 1, Config("p1,p2,p3,p4"))];
        monitor.ObserveCommit(s_p1, log, 0, 3);
        monitor.ObserveLogWrite(s_p1, log, 1, null, 0, 1, 3);
        Assert.Empty(monitor.Violations); // a learner added, then promoted: one voter each time

        LogEntry[] skipping = [Entry(1, 1), Entry(2, 2, Config("p1,p2,p3,p4,p5"))];
        monitor.ObserveLogWrite(s_p2, skipping, 1, null, 0, 2, 1);
        var violation = Assert.Single(monitor.Violations);
        Assert.Equal(Invariant.ConfigurationChange, violation.Invariant);
        Assert.Contains("2 voters apart", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_first_configuration_after_a_compacted_prefix_is_judged_against_the_one_committed_there()
    {
        var monitor = Monitor();
        LogEntry[] committed = [Entry(1, 1), Entry(2, 1, Config("p1,p2,p3,p4")), Entry(3, 1)];
        monitor.ObserveCommit(s_p1, committed, 0, 3);
        // p2 keeps entries from index 4 on: what was in force at 3 is the committed p1..p4.
        monitor.ObserveLogWrite(s_p2, [Entry(4, 2, Config("p1,p2,p3,p4,p5"))], 4, null, 3, 4, 3);
        Assert.Empty(monitor.Violations);
        monitor.ObserveLogWrite(s_p3, [Entry(4, 2, Config("p1,p2"))], 4, null, 3, 4, 3);
        Assert.Equal(Invariant.ConfigurationChange, Assert.Single(monitor.Violations).Invariant);
    }

    [Fact]
    public void Two_configuration_entries_beyond_the_commit_are_two_changes_in_flight()
    {
        var monitor = Monitor();
        LogEntry[] log = [Entry(1, 1), Entry(2, 1, Config("p1,p2,p3;learners=p4")), Entry(3, 1, Config("p1,p2,p3,p4"))];
        monitor.ObserveCommit(s_p1, log, 0, 2);
        monitor.ObserveLogWrite(s_p1, log, 1, null, 0, 3, 2);
        Assert.Empty(monitor.Violations); // the first change committed before the second was appended

        var other = Monitor();
        other.ObserveCommit(s_p1, log, 0, 1);
        other.ObserveLogWrite(s_p1, log, 1, null, 0, 3, 1);
        var violation = Assert.Single(other.Violations);
        Assert.Equal(Invariant.ConfigurationChange, violation.Invariant);
        Assert.Contains("2 configuration entries beyond the commit", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_configuration_not_undone_when_its_entry_is_cut_away_is_flagged()
    {
        var monitor = Monitor();
        LogEntry[] log = [Entry(1, 1), Entry(2, 2)]; // entry 2 of term 1, a configuration, was replaced
        monitor.ObserveConfigurationInForce(s_p2, s_three, 0, log, null, 0, 1, leads: false);
        Assert.Empty(monitor.Violations);
        monitor.ObserveConfigurationInForce(s_p2, Config("p1,p2,p3;learners=p4"), 2, log, null, 0, 1, leads: false);
        Assert.Equal(Invariant.ConfigurationAgreement, Assert.Single(monitor.Violations).Invariant);
    }

    [Fact]
    public void A_configuration_not_in_force_once_appended_is_flagged()
    {
        var monitor = Monitor();
        LogEntry[] log = [Entry(1, 1), Entry(2, 1, Config("p1,p2,p3;learners=p4"))];
        monitor.ObserveConfigurationInForce(s_p2, Config("p1,p2,p3;learners=p4"), 2, log, null, 0, 1, leads: false);
        Assert.Empty(monitor.Violations);
        monitor.ObserveConfigurationInForce(s_p3, s_three, 0, log, null, 0, 1, leads: false);
        Assert.Contains("the newest its log holds is", Assert.Single(monitor.Violations).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_committed_configuration_that_differs_from_the_one_committed_at_its_index_is_flagged()
    {
        var monitor = Monitor();
        monitor.ObserveCommit(s_p1, [Entry(1, 1), Entry(2, 1, Config("p1,p2,p3;learners=p4"))], 0, 2);
        LogEntry[] diverged = [Entry(1, 1), Entry(2, 1, Config("p1,p2,p3;learners=p5"))];
        monitor.ObserveConfigurationInForce(s_p2, Config("p1,p2,p3;learners=p5"), 2, diverged, null, 0, 1, leads: false);
        Assert.Empty(monitor.Violations); // not committed on p2 yet
        monitor.ObserveConfigurationInForce(s_p2, Config("p1,p2,p3;learners=p5"), 2, diverged, null, 0, 2, leads: false);
        Assert.Contains("is not the entry committed there", Assert.Single(monitor.Violations).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_master_that_keeps_leading_after_its_removal_commits_is_flagged()
    {
        var monitor = Monitor();
        LogEntry[] log = [Entry(1, 1), Entry(2, 1, Config("p2,p3"))];
        monitor.ObserveCommit(s_p1, log, 0, 2);
        monitor.ObserveConfigurationInForce(s_p1, Config("p2,p3"), 2, log, null, 0, 1, leads: true);
        Assert.Empty(monitor.Violations); // in flight: the master leads until its removal commits
        monitor.ObserveConfigurationInForce(s_p1, Config("p2,p3"), 2, log, null, 0, 2, leads: true);
        Assert.Contains("still leads", Assert.Single(monitor.Violations).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_snapshot_with_another_configuration_than_the_committed_one_is_flagged()
    {
        var monitor = Monitor();
        monitor.ObserveCommit(s_p1, [Entry(1, 1), Entry(2, 1, Config("p1,p2,p3,p4")), Entry(3, 1)], 0, 3);
        var peers = Config("p1,p2,p3,p4").Voters;
        monitor.ObserveSnapshot(s_p2, new Snapshot(3, 1, "station", peers, []));
        monitor.ObserveSnapshot(s_p2, new Snapshot(1, 1, "station", s_three.Voters, []));
        Assert.Empty(monitor.Violations);
        monitor.ObserveSnapshot(s_p3, new Snapshot(3, 1, "station", s_three.Voters, []));
        Assert.Equal(Invariant.ConfigurationAgreement, Assert.Single(monitor.Violations).Invariant);
    }

    [Fact]
    public void An_election_won_without_a_majority_of_its_own_voters_is_flagged()
    {
        var monitor = Monitor();
        var config = Config("p1,p2,p3;learners=p4");
        monitor.ObserveCampaign(s_p1, 0, 20, 2, preVote: false);
        monitor.ObserveVoteGranted(s_p4, 0, 40, 2, s_p1, preVote: false); // a learner's vote does not count
        monitor.ObserveElectionWin(s_p1, 2, config, []);
        Assert.Contains("1 of the 2 a majority needs", Assert.Single(monitor.Violations).Message, StringComparison.Ordinal);

        var fair = Monitor();
        fair.ObserveCampaign(s_p1, 0, 20, 2, preVote: false);
        fair.ObserveVoteGranted(s_p3, 0, 40, 2, s_p1, preVote: false);
        fair.ObserveElectionWin(s_p1, 2, config, []);
        Assert.Empty(fair.Violations);
        fair.ObserveElectionWin(s_p4, 3, config, []);
        Assert.Contains("is no voter", Assert.Single(fair.Violations).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_change_committed_by_the_old_majority_only_is_flagged()
    {
        // p4 promoted: the configuration p1..p4 needs 3 holders; p1 and p2 are a majority of the old voters only.
        var monitor = Monitor();
        var grown = Config("p1,p2,p3,p4");
        monitor.ObserveMasterStart(s_p1, 2, 10);
        monitor.ObserveMasterAnswer(s_p1, 2, s_p2, 12, matchIndex: 7);
        monitor.ObserveMasterAnswer(s_p1, 2, s_p3, 12, matchIndex: 5);
        monitor.ObserveCommitDecision(s_p1, 2, 7, s_three, s_three, []);
        Assert.Empty(monitor.Violations);
        monitor.ObserveCommitDecision(s_p1, 2, 7, grown, grown, []);
        var violation = Assert.Single(monitor.Violations);
        Assert.Equal(Invariant.QuorumIntersection, violation.Invariant);
        Assert.Contains("only 2 of the voters", violation.Message, StringComparison.Ordinal);
        monitor.ObserveMasterAnswer(s_p1, 2, s_p4, 13, matchIndex: 7);
        monitor.ObserveCommitDecision(s_p1, 2, 7, grown, grown, []);
        Assert.Single(monitor.Violations);
    }

    [Fact]
    public void A_decision_whose_majorities_can_miss_those_of_a_live_coordinator_or_of_the_committed_configuration_is_flagged()
    {
        var monitor = Monitor();
        monitor.ObserveDecision(s_p1, "lease", 2, Config("p1,p2,p3,p4"), [(s_p2, s_three)], againstCommitted: true);
        Assert.Empty(monitor.Violations);
        monitor.ObserveDecision(s_p1, "lease", 2, Config("p1,p2,p4"), [(s_p2, s_three)], againstCommitted: false);
        Assert.Contains("the coordinator that may still run on p2:9070", Assert.Single(monitor.Violations).Message, StringComparison.Ordinal);

        var other = Monitor();
        other.ObserveDecision(s_p1, "commit", 2, Config("p1,p2,p3,p4,p5"), [], againstCommitted: true);
        Assert.Contains("the newest committed configuration", Assert.Single(other.Violations).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_quorum_counts_the_voters_of_the_configuration_in_force()
    {
        var monitor = Monitor();
        monitor.ObserveMasterStart(s_p1, 2, 100);
        monitor.ObserveMasterAnswer(s_p1, 2, s_p2, 120);
        monitor.ObserveMasterTick(s_p1, 2, 130, [s_p1, s_p2, s_p3]);
        Assert.Empty(monitor.Violations); // p1 and p2 are a majority of three
        monitor.ObserveMasterTick(s_p1, 2, 130, [s_p2, s_p3, s_p4]); // p1 removed itself: p2 alone is no majority
        Assert.Equal(Invariant.LeaseRule, Assert.Single(monitor.Violations).Invariant);
    }
}
