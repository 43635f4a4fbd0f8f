using Halon.Core;
using Halon.Simulation.Harness;

namespace Halon.Simulation.Tests;

/// <summary>
/// The simulator changing the station's peers: spare nodes, the membership fault (random changes racing every other
/// fault) and the grow-shrink scenario, every checker on. Seeds of their own (40,000 and up), which outside sweeps
/// should not use.
/// </summary>
public sealed class MembershipSimulationTests
{
    /// <summary>The membership fault with every process, network, disk and lease fault beside it.</summary>
    private const string MembershipFaults = "membership,crash,partition,loss,delay,duplicate,pause,drift,torn-write,persist-crash,lease,compaction,coordinator-crash";

    [Fact]
    public void Spares_start_with_no_role_and_satellites_list_them_with_the_peers()
    {
        var simulation = new Harness.Simulation(new SimulationOptions { Seed = 3, Peers = 3, Satellites = 2, FaultSpec = "membership", Ticks = 50 });
        simulation.RunTicks(50);
        Assert.Equal(["p1", "p2", "p3", "p4", "p5"], simulation.Names(peers: true));
        Assert.Equal(["p1", "p2", "p3"], simulation.InitialPeerNames);
        Assert.Equal(5, simulation.SatelliteStation.Count);
        Assert.Equal(NodeRole.None, simulation.NodeNamed("p5")!.Role);
        Assert.Equal(0, new SimulationOptions { Peers = 7, FaultSpec = "membership" }.SparesFor(FaultOptions.Parse("membership")));
        Assert.Equal(6, new SimulationOptions { Peers = 1, Membership = "grow-shrink" }.SparesFor(FaultOptions.None));
        Assert.Equal(0, new SimulationOptions { Peers = 3 }.SparesFor(FaultOptions.Parse("crash,loss")));
    }

    [Theory]
    [InlineData(3, MembershipFaults, "none")]
    [InlineData(1, "swarm", "grow-shrink")]
    public void The_same_seed_gives_the_same_run_with_changes_of_the_peers(int peers, string faults, string membership)
    {
        var options = new SimulationOptions { Seed = 40_001, Peers = peers, Satellites = 3, FaultSpec = faults, Membership = membership, Ticks = 1500 };
        var first = new Harness.Simulation(options).Run();
        var second = new Harness.Simulation(options).Run();
        Assert.Equal(first.TraceHash, second.TraceHash);
        Assert.Equal(first.PeerChangesDone, second.PeerChangesDone);
        Assert.True(first.PeerChangesStarted > 0);
    }

    [Fact]
    public void Without_faults_the_station_grows_from_one_to_seven_voters_and_shrinks_back_again_and_again()
    {
        var template = new SimulationOptions { Peers = 1, Satellites = 3, Membership = "grow-shrink", Ticks = 1500 };
        var result = Sweep.Run(template, from: 40_100, count: 20);
        Assert.True(result.Failures.Count == 0, string.Join(Environment.NewLine, result.Failures.Select(f => $"{f.Violations[0]} — replay: {f.Options.ReplayCommand}")));
        Assert.All(result.Runs, run =>
        {
            Assert.Equal(Limits.PeersMax, run.VotersMax);
            Assert.Equal(1, run.VotersMin); // the learner joins a station of one
            Assert.True(run.GrowShrinkCycles >= 1, $"seed {run.Options.Seed}: no full cycle (grown to 7, shrunk back to 2)");
            Assert.Equal(0, run.PeerChangesGivenUp);
        });
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(7)]
    public void A_sweep_with_changes_of_the_peers_racing_every_fault_finds_no_violation(int peers)
    {
        var template = new SimulationOptions { Peers = peers, Satellites = 5, FaultSpec = MembershipFaults };
        var result = Sweep.Run(template, from: 40_200, count: 150);
        var failures = result.Failures.Select(f => $"{f.Violations[0]} — replay: {f.Options.ReplayCommand}");
        Assert.True(result.Failures.Count == 0, string.Join(Environment.NewLine, failures));
        Assert.True(result.PeerChangesDone > 150, $"only {result.PeerChangesDone} changes done");
    }

    [Fact]
    public void A_grow_shrink_sweep_with_swarm_faults_finds_no_violation()
    {
        var template = new SimulationOptions { Peers = 1, Satellites = 5, FaultSpec = "swarm", Membership = "grow-shrink" };
        var result = Sweep.Run(template, from: 40_500, count: 150);
        var failures = result.Failures.Select(f => $"{f.Violations[0]} — replay: {f.Options.ReplayCommand}");
        Assert.True(result.Failures.Count == 0, string.Join(Environment.NewLine, failures));
        Assert.True(result.RunsThatReachedPeersMax > 100, $"only {result.RunsThatReachedPeersMax} runs reached 7 voters");
    }

    [Fact]
    public void About_a_third_of_the_swarm_seeds_change_the_peers()
    {
        var mixes = Enumerable.Range(1, 400).Select(seed => FaultOptions.DrawSwarm(new SimRandom((ulong)seed, 2))).ToArray();
        Assert.InRange(mixes.Count(m => m.MembershipIntervalTicksMean > 0), 80, 160);
        Assert.All(mixes.Where(m => m.MembershipIntervalTicksMean > 0), m => Assert.InRange(m.MembershipIntervalTicksMean, 40, 150));
    }

    [Fact]
    public void The_replay_command_carries_the_scenario_and_a_bad_scenario_is_refused()
    {
        Assert.Contains("--membership grow-shrink", new SimulationOptions { Seed = 9, Peers = 1, Membership = "grow-shrink" }.ReplayCommand, StringComparison.Ordinal);
        Assert.DoesNotContain("--membership", new SimulationOptions { Seed = 9 }.ReplayCommand, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new SimulationOptions { Membership = "shrink-grow" }.Validate());
        Assert.Throws<ArgumentException>(() => new SimulationOptions { Peers = 5, Spares = 3 }.Validate());
    }
}
