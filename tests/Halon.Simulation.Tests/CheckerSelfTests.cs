using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Persistence;
using Halon.Core.Protocol;
using Halon.Simulation.Checking;

namespace Halon.Simulation.Tests;

/// <summary>Hand-made histories that break each invariant: the checkers must flag every one.</summary>
public sealed class CheckerSelfTests
{
    private static readonly NodeId s_p1 = NodeId.Parse("p1:9070");
    private static readonly NodeId s_p2 = NodeId.Parse("p2:9070");
    private static readonly NodeId s_s1 = NodeId.Parse("s1:9070");
    private static readonly HostFacts s_facts = new("s1", 2, 1024);

    private static Dictionary<NodeId, SatelliteRecord> State(params (NodeId Node, long Incarnation)[] satellites) =>
        satellites.ToDictionary(s => s.Node, s => new SatelliteRecord(s.Incarnation, s_facts, 1));

    [Fact]
    public void Two_masters_in_one_term_are_flagged()
    {
        var monitor = new InvariantMonitor();
        monitor.ObserveMaster(s_p1, 3);
        monitor.ObserveMaster(s_p1, 3); // The same master again is fine.
        monitor.ObserveMaster(s_p2, 4);
        Assert.Empty(monitor.Violations);
        monitor.ObserveMaster(s_p2, 3);
        var violation = Assert.Single(monitor.Violations);
        Assert.Equal(Invariant.ElectionSafety, violation.Invariant);
        Assert.Contains("two masters in term 3", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Overlapping_coordinators_are_flagged()
    {
        var monitor = new InvariantMonitor();
        monitor.ObserveCoordinatorStarted(s_p1, 1, State());
        monitor.ObserveCoordinatorStarted(s_p2, 2, State());
        var violation = Assert.Single(monitor.Violations);
        Assert.Equal(Invariant.CoordinatorExclusivity, violation.Invariant);
        Assert.Contains("while the coordinator of epoch 1 runs on p1:9070", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Coordinators_in_turn_with_rising_epochs_pass_and_a_falling_epoch_is_flagged()
    {
        var monitor = new InvariantMonitor();
        monitor.ObserveCoordinatorStarted(s_p1, 1, State());
        monitor.ObserveCoordinatorStopped(s_p1);
        monitor.ObserveCoordinatorStarted(s_p1, 1, State()); // A restart in the same epoch on the same node.
        monitor.ObserveCoordinatorStopped(s_p1);
        monitor.ObserveCoordinatorStarted(s_p2, 4, State());
        monitor.ObserveCoordinatorStopped(s_p2);
        Assert.Empty(monitor.Violations);
        monitor.ObserveCoordinatorStarted(s_p1, 3, State());
        Assert.Equal(Invariant.CoordinatorExclusivity, Assert.Single(monitor.Violations).Invariant);
    }

    [Fact]
    public void An_epoch_reused_by_another_node_is_flagged()
    {
        var monitor = new InvariantMonitor();
        monitor.ObserveCoordinatorStarted(s_p1, 2, State());
        monitor.ObserveCoordinatorStopped(s_p1);
        monitor.ObserveCoordinatorStarted(s_p2, 2, State());
        Assert.Contains("epoch 2 used by two coordinators", Assert.Single(monitor.Violations).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_forgotten_acknowledgement_is_flagged()
    {
        var monitor = new InvariantMonitor();
        monitor.ObserveCoordinatorStarted(s_p1, 1, State());
        monitor.ObserveAcknowledged(s_s1, 2);
        monitor.ObserveCoordinatorStopped(s_p1);
        monitor.ObserveCoordinatorStarted(s_p2, 2, State((s_s1, 1)));
        var violation = Assert.Single(monitor.Violations);
        Assert.Equal(Invariant.AckDurability, violation.Invariant);
        Assert.Contains("forgotten satellite s1:9070 incarnation 2", violation.Message, StringComparison.Ordinal);
        monitor.ObserveCoordinatorStopped(s_p2);
        monitor.ObserveCoordinatorStarted(s_p1, 3, State((s_s1, 2)));
        Assert.Single(monitor.Violations);
    }

    [Fact]
    public void Two_different_entries_at_one_index_and_term_are_flagged()
    {
        var monitor = new InvariantMonitor();
        monitor.ObserveEntries(s_p1, [new LogEntry(1, 1, NoOpCommand.Instance), new LogEntry(2, 1, new SatelliteAcknowledgedCommand(s_s1, 1, s_facts))]);
        monitor.ObserveEntries(s_p2, [new LogEntry(1, 1, NoOpCommand.Instance)]);
        Assert.Empty(monitor.Violations);
        monitor.ObserveEntries(s_p2, [new LogEntry(2, 1, new SatelliteAcknowledgedCommand(s_s1, 2, s_facts))]);
        Assert.Equal(Invariant.LogMatching, Assert.Single(monitor.Violations).Invariant);
    }

    [Fact]
    public void A_committed_entry_that_changes_is_flagged()
    {
        var monitor = new InvariantMonitor();
        LogEntry[] first = [new LogEntry(1, 1, NoOpCommand.Instance), new LogEntry(2, 1, new SatelliteAcknowledgedCommand(s_s1, 1, s_facts))];
        LogEntry[] second = [new LogEntry(1, 1, NoOpCommand.Instance), new LogEntry(2, 2, NoOpCommand.Instance)];
        monitor.ObserveCommit(s_p1, first, 0, 2);
        monitor.ObserveCommit(s_p2, second, 0, 1);
        Assert.Empty(monitor.Violations);
        monitor.ObserveCommit(s_p2, second, 1, 2);
        Assert.Contains("was committed before", Assert.Single(monitor.Violations).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_restart_that_lost_a_committed_entry_is_flagged()
    {
        var monitor = new InvariantMonitor();
        monitor.ObserveCommit(s_p1, [new LogEntry(1, 1, NoOpCommand.Instance), new LogEntry(2, 1, NoOpCommand.Instance)], 0, 2);
        monitor.ObserveRestored(s_p2, [new LogEntry(1, 1, NoOpCommand.Instance), new LogEntry(2, 2, NoOpCommand.Instance)], 2);
        Assert.Equal(Invariant.LogMatching, Assert.Single(monitor.Violations).Invariant);
    }

    [Fact]
    public void Violations_are_bounded()
    {
        var monitor = new InvariantMonitor();
        for (var term = 0; term < 100; term++)
        {
            monitor.ObserveMaster(s_p1, term);
            monitor.ObserveMaster(s_p2, term);
        }

        Assert.Equal(InvariantMonitor.ViolationsMax, monitor.Violations.Count);
    }
}
