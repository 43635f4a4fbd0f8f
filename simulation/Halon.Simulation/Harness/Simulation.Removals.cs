using Halon.Core.Protocol;

namespace Halon.Simulation.Harness;

/// <summary>
/// The operator's decommissioning, as an input of the fault phase: requests to remove a random satellite, sent to the
/// coordinator (or to any peer, which must refuse), and each satellite told it was removed bootstrapped again after a
/// while, so that the Decommission checker sees removals race elections, crashes and late messages, and the run still
/// ends with every satellite acknowledged.
/// </summary>
public sealed partial class Simulation
{
    private SimRandom? _removalRandom;
    private int _removalsRequested;
    private int _removalsAppended;
    private int _removalsBootstrappedAgain;

    /// <summary>Removal requests the operator made, and how many of them appended a removal entry.</summary>
    public (int Requested, int Appended, int BootstrappedAgain) Removals => (_removalsRequested, _removalsAppended, _removalsBootstrappedAgain);

    private void ScheduleRemovals()
    {
        if (_faultMix.RemovalIntervalTicksMean <= 0 || _options.Satellites == 0)
        {
            return;
        }

        _removalRandom = new SimRandom(_options.Seed, 3);
        ScheduleAction(DrawRemovalInterval(), RequestRemoval);
    }

    private long DrawRemovalInterval() => _now + (long)(_faultMix.RemovalIntervalTicksMean * _removalRandom!.Uniform(0.5, 1.5) * TimeUnitsPerTick);

    private void RequestRemoval()
    {
        if (_healed)
        {
            return;
        }

        var random = _removalRandom!;
        var satellites = _nodes.Where(n => !n.IsPeer).ToArray();
        var satellite = satellites[random.Next(satellites.Length)];
        var running = _nodes.Where(n => n.IsPeer && n.Node is { CoordinatorRunning: true } && n.PausedUntil <= _now).ToArray();
        var live = _nodes.Where(n => n.IsPeer && n.Node is not null && n.PausedUntil <= _now).ToArray();
        var at = running.Length > 0 && !random.Chance(0.2) ? running[random.Next(running.Length)] : live.Length > 0 ? live[random.Next(live.Length)] : null;
        if (at is not null)
        {
            var result = at.Node!.RemoveSatellite(satellite.Id);
            _removalsRequested++;
            _removalsAppended += result.Outcome == RemovalOutcome.Appended ? 1 : 0;
            Log(at, $"operator: remove {satellite.Id.Host}: {result.Outcome}: {result.Message}");
            if (result.Outcome == RemovalOutcome.Appended && !at.Node.CoordinatorRunning)
            {
                _monitor.Report(Checking.Invariant.Decommission, $"{at.Id} appended a removal of {satellite.Id} without a running coordinator");
            }

            Drain(at);
        }

        ScheduleAction(DrawRemovalInterval(), RequestRemoval);
    }

    /// <summary>The satellite learnt it was removed: the operator bootstraps it again, soon once faults have stopped.</summary>
    private void ScheduleBootstrapAgain(SimNode node)
    {
        var delayTicks = _healed || _removalRandom is null ? 1 : _removalRandom.NextInclusive(1, 100);
        ScheduleAction(_now + (delayTicks * TimeUnitsPerTick), () => BootstrapAgain(node));
    }

    private void BootstrapAgain(SimNode node)
    {
        if (node.Node is null || node.PausedUntil > _now)
        {
            ScheduleAction(_now + (10 * TimeUnitsPerTick), () => BootstrapAgain(node));
            return;
        }

        Wake(node); // A removed satellite runs no timer, so with lazy satellite ticks it may be asleep.
        if (node.Node is null)
        {
            ScheduleAction(_now + (10 * TimeUnitsPerTick), () => BootstrapAgain(node));
            return;
        }

        if (!node.Node.RemovedFromStation)
        {
            return; // Bootstrapped again already.
        }

        var result = node.Node.BecomeSatellite(_satelliteStation);
        _removalsBootstrappedAgain++;
        Log(node, $"operator: bootstrap again: {result.Message}");
        Drain(node);
    }

    /// <summary>
    /// A restarted peer re-applies its committed removals without effects (they are history to it); the checker learns
    /// them here, in case no peer's effect of them was seen (a master that crashed right after committing one).
    /// </summary>
    private void ObserveRestoredRemovals(Core.Persistence.PersistentState persisted)
    {
        // Removals a snapshot covers were observed when they committed; the log after it holds the rest.
        foreach (var entry in persisted.Log)
        {
            if (entry.Index <= persisted.HardState.CommitIndex && entry.Command is Core.Persistence.SatelliteRemovedCommand removal)
            {
                _monitor.ObserveRemoved(removal.Satellite, removal.InstallId, entry.Index);
            }
        }
    }

    /// <summary>At a restart: a satellite that was removed (it persisted so) waits for the operator again.</summary>
    private void ResumeRemoved(SimNode node)
    {
        if (node.Node is { RemovedFromStation: true })
        {
            ScheduleBootstrapAgain(node);
        }
    }
}
