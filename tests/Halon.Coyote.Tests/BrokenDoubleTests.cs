using Halon.Coyote.Tests.Doubles;
using Halon.Simulation.Coyote;
using Halon.Simulation.Coyote.Testing;
using Xunit.Abstractions;

namespace Halon.Coyote.Tests;

/// <summary>
/// Each monitor is shown to fire: a deliberately broken host (a test double, never in core/) must make the named
/// monitor report a bug, the trace must be written, and replaying the trace must hit the same bug.
/// </summary>
[Collection(CoyoteCollection.Name)]
public sealed class BrokenDoubleTests(ITestOutputHelper output)
{
    private string _lastReport = string.Empty;

    [Fact]
    public void ElectionSafety_catches_a_node_that_votes_twice_in_one_term()
    {
        var cluster = new CoyoteClusterOptions { Peers = 3, Satellites = 0, NodeActorType = typeof(DoubleVotingNode) };
        AssertCaughtAndReplayed(cluster, CoyoteStrategy.Random, 21, 300, "[ElectionSafety] two masters in term");
    }

    [Fact]
    public void CoordinatorExclusivity_catches_a_coordinator_that_outlives_its_lease()
    {
        var cluster = new CoyoteClusterOptions { Peers = 3, Satellites = 1, NodeActorType = typeof(LeaseOutlivingNode) };
        AssertCaughtAndReplayed(cluster, CoyoteStrategy.Random, 22, 50, "[CoordinatorExclusivity] the coordinator of epoch");
        Assert.Contains("outlives its lease", _lastReport, StringComparison.Ordinal);
    }

    [Fact]
    public void CoordinatorExclusivity_catches_two_coordinators_when_clocks_drift_beyond_the_stated_bound()
    {
        // The host is correct, but the protocol states no drift (ρ = 1, so the lease is E − 2 = 8 ticks) while the
        // clocks drift by up to 2: a slow master's lease outlasts its followers' wait, and leases mean nothing. It
        // shows that the clock model is adversarial enough for the lease argument to matter.
        var cluster = new CoyoteClusterOptions
        {
            Peers = 3,
            Satellites = 0,
            Protocol = CoyoteClusterOptions.CoyoteProtocol with { ClockDriftFactor = 1.0, ElectionTimeoutTicks = 10 },
            ModelledClockDriftFactor = 2.0,
            FaultRounds = 80,
            FaultBudget = 20,
        };
        AssertCaughtAndReplayed(cluster, CoyoteStrategy.Random, 3_000_000, 1500, "[CoordinatorExclusivity] two coordinators at once");
    }

    [Fact]
    public void AckDurability_catches_an_acknowledgement_sent_before_commit()
    {
        var cluster = new CoyoteClusterOptions
        {
            Peers = 3,
            Satellites = 2,
            NodeActorType = typeof(EarlyAcknowledgingNode),
            FaultRounds = 40,
            FaultBudget = 12,
            MessageFaultBudget = 40,
            MessageFaultOneIn = 6,
        };
        AssertCaughtAndReplayed(cluster, CoyoteStrategy.Random, 23, 600, "[AckDurability]");
    }

    [Fact]
    public void Liveness_catches_a_station_that_never_acknowledges_a_satellite()
    {
        var cluster = new CoyoteClusterOptions { Peers = 3, Satellites = 1, NodeActorType = typeof(DeafStationNode) };
        AssertCaughtAndReplayed(cluster, CoyoteStrategy.Random, 24, 10, "Liveness detected liveness bug in hot state 'Converging'");
    }

    [Fact]
    public void ConfigurationChangeInFlight_catches_a_master_that_forges_a_second_change()
    {
        var cluster = new CoyoteClusterOptions { Peers = 3, Spares = 2, MembershipChanges = 6, Satellites = 0, NodeActorType = typeof(ConfigurationForgingNode) };
        AssertCaughtAndReplayed(cluster, CoyoteStrategy.Random, 25, 100, "[ConfigurationChangeInFlight]");
        Assert.Contains("two changes in flight at once", _lastReport, StringComparison.Ordinal);
    }

    [Fact]
    public void QuorumIntersection_catches_an_election_won_with_a_vote_never_cast()
    {
        var cluster = new CoyoteClusterOptions { Peers = 3, Satellites = 0, NodeActorType = typeof(VoteForgingNode) };
        AssertCaughtAndReplayed(cluster, CoyoteStrategy.Random, 26, 300, "[QuorumIntersection]");
        Assert.Contains("short of a majority", _lastReport, StringComparison.Ordinal);
    }

    private void AssertCaughtAndReplayed(CoyoteClusterOptions cluster, CoyoteStrategy strategy, uint seed, uint iterations, string expected)
    {
        var name = $"broken-{cluster.NodeActorType.Name}-seed{seed}".ToLowerInvariant();
        var found = CoyoteTestRun.Run(new CoyoteRunOptions { Cluster = cluster, Strategy = strategy, Seed = seed, Iterations = iterations }, name, output);
        Assert.Equal(1, found.Bugs);
        Assert.Contains(expected, found.BugReport, StringComparison.Ordinal);
        _lastReport = found.BugReport!;
        Assert.NotNull(found.TraceFile);
        Assert.True(File.Exists(found.TraceFile));

        var replay = CoyoteTestRun.Replay(found, output);
        Assert.Equal(1, replay.Bugs);
        Assert.Equal(found.BugReport, replay.BugReport);
    }
}
