using Halon.Core.Identity;
using Halon.Core.Protocol;
using Halon.Simulation.Checking;
using Halon.Simulation.Harness;

namespace Halon.Simulation.Tests;

/// <summary>
/// Decommissioning in the simulator: the Decommission checker flags a coordinator that acknowledges a removed
/// installation (and nothing else), and sweeps with operator removals find no violation.
/// </summary>
public sealed class DecommissionTests
{
    private static readonly NodeId s_p1 = NodeId.Parse("p1:9070");
    private static readonly NodeId s_s1 = NodeId.Parse("s1:9070");

    [Fact]
    public void A_coordinator_acknowledging_a_removed_installation_is_flagged()
    {
        var monitor = new InvariantMonitor();
        monitor.ObserveAcknowledged(s_s1, 3, 0xA1, byCoordinator: true);
        monitor.ObserveRemoved(s_s1, 0xA1, 9);
        Assert.Empty(monitor.Violations);

        monitor.ObserveAcknowledged(s_s1, 4, 0xA1, byCoordinator: true);

        var violation = Assert.Single(monitor.Violations);
        Assert.Equal(Invariant.Decommission, violation.Invariant);
        Assert.Equal("decommission", violation.InvariantName);
        Assert.Contains("installation a1, which the station removed", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_installation_without_an_id_is_flagged_too_once_the_node_was_removed()
    {
        var monitor = new InvariantMonitor();
        monitor.ObserveRemoved(s_s1, 0xA1, 9);
        monitor.ObserveAcknowledged(s_s1, 1, 0, byCoordinator: true);
        Assert.Equal(Invariant.Decommission, Assert.Single(monitor.Violations).Invariant);
    }

    [Fact]
    public void A_new_installation_and_a_late_acknowledgement_at_the_satellite_are_not_flagged()
    {
        var monitor = new InvariantMonitor();
        monitor.ObserveAcknowledged(s_s1, 3, 0xA1, byCoordinator: true);
        monitor.ObserveRemoved(s_s1, 0xA1, 9);

        // The satellite accepts the acknowledgement sent before its removal: legitimate, and no coordinator must hold it.
        monitor.ObserveAcknowledged(s_s1, 3, 0xA1, byCoordinator: false);
        monitor.ObserveCoordinatorStarted(s_p1, 2, new Dictionary<NodeId, SatelliteRecord>());
        Assert.Empty(monitor.Violations);
        Assert.False(monitor.Acknowledged.ContainsKey(s_s1));

        // Bootstrapped again: a new installation, acknowledged and then held by every later coordinator.
        monitor.ObserveCoordinatorStopped(s_p1);
        monitor.ObserveAcknowledged(s_s1, 1, 0xB2, byCoordinator: true);
        Assert.Empty(monitor.Violations);
        Assert.Equal(1, monitor.Acknowledged[s_s1]);

        // A lagging peer applying the old removal again does not forget the new installation.
        monitor.ObserveRemoved(s_s1, 0xA1, 9);
        monitor.ObserveCoordinatorStarted(s_p1, 3, new Dictionary<NodeId, SatelliteRecord>());
        Assert.Equal(Invariant.AckDurability, Assert.Single(monitor.Violations).Invariant);
    }

    [Fact]
    public void Removing_an_acknowledged_satellite_releases_later_coordinators_from_holding_it()
    {
        var monitor = new InvariantMonitor();
        monitor.ObserveAcknowledged(s_s1, 2, 0xA1, byCoordinator: false);

        // The removal names the newer installation waiting for commit; the acknowledged older one leaves the table too.
        monitor.ObserveRemoved(s_s1, 0xB2, 9);
        monitor.ObserveCoordinatorStarted(s_p1, 5, new Dictionary<NodeId, SatelliteRecord>());
        Assert.Empty(monitor.Violations);
    }

    [Theory]
    [InlineData(3, 60)]
    [InlineData(5, 30)]
    public void A_sweep_with_removals_among_other_faults_finds_no_violation_and_removes_satellites(int peers, int seeds)
    {
        var template = new SimulationOptions { Peers = peers, Satellites = 5, FaultSpec = "remove,crash,loss,partition,duplicate,delay,coordinator-crash" };
        var result = Sweep.Run(template, from: 70_000, count: seeds);
        var failures = result.Failures.Select(f => $"{f.Violations[0]} — replay: {f.Options.ReplayCommand}");
        Assert.True(result.Failures.Count == 0, string.Join(Environment.NewLine, failures));

        var lazy = Sweep.Run(template with { LazySatelliteTicks = true }, from: 70_000, count: seeds / 3);
        Assert.True(lazy.Failures.Count == 0, string.Join(Environment.NewLine, lazy.Failures.Select(f => $"{f.Violations[0]} — replay: {f.Options.ReplayCommand}")));

        var run = new Harness.Simulation(template with { Seed = 70_000 });
        run.Run();
        Assert.True(run.Removals.Appended > 0, $"no removal was appended: {run.Removals}");
        Assert.True(run.Removals.BootstrappedAgain > 0, $"no removed satellite was bootstrapped again: {run.Removals}");
    }
}
