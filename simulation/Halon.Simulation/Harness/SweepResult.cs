namespace Halon.Simulation.Harness;

/// <summary>The outcome of a sweep.</summary>
public sealed record SweepResult(SimulationOptions Template, ulong From, IReadOnlyList<SimulationResult> Runs, TimeSpan Elapsed)
{
    /// <summary>Runs with at least one violation.</summary>
    public IReadOnlyList<SimulationResult> Failures => Runs.Where(r => !r.Passed).ToArray();

    /// <summary>Violations across all runs.</summary>
    public int Violations => Runs.Sum(r => r.Violations.Count);

    /// <summary>Events across all runs.</summary>
    public long Events => Runs.Sum(r => r.Events);

    /// <summary>Wall-clock events per second over the whole sweep.</summary>
    public double EventsPerSecond => Events / Math.Max(Elapsed.TotalSeconds, 1e-9);

    /// <summary>Runs in which some node compacted its log.</summary>
    public int RunsThatCompacted => Runs.Count(r => r.SnapshotsTaken > 0);

    /// <summary>Snapshots installed from a master, across all runs.</summary>
    public long SnapshotsInstalled => Runs.Sum(r => (long)r.SnapshotsInstalled);

    /// <summary>Runs in which some follower installed a snapshot.</summary>
    public int RunsThatInstalled => Runs.Count(r => r.SnapshotsInstalled > 0);

    /// <summary>Runs in which the operator changed the station's peers at least once.</summary>
    public int RunsThatChangedPeers => Runs.Count(r => r.PeerChangesDone > 0);

    /// <summary>Changes of the station's peers done, across all runs.</summary>
    public long PeerChangesDone => Runs.Sum(r => (long)r.PeerChangesDone);

    /// <summary>Changes of the station's peers started, across all runs.</summary>
    public long PeerChangesStarted => Runs.Sum(r => (long)r.PeerChangesStarted);

    /// <summary>Runs in which a committed configuration had <see cref="Halon.Core.Limits.PeersMax"/> voters.</summary>
    public int RunsThatReachedPeersMax => Runs.Count(r => r.VotersMax == Halon.Core.Limits.PeersMax);

    /// <summary>Runs of the grow-shrink scenario that completed at least one full cycle.</summary>
    public int RunsThatCompletedACycle => Runs.Count(r => r.GrowShrinkCycles > 0);

    /// <summary>Largest ticks from the heal to a coordinator, over healed runs.</summary>
    public double WorstTicksToCoordinatorAfterHeal => Runs.Select(r => r.TicksFromHealToCoordinator).DefaultIfEmpty(-1).Max();

    /// <summary>Largest ticks from the heal to all satellites acknowledged.</summary>
    public double WorstTicksToAllAcknowledgedAfterHeal => Runs.Select(r => r.TicksFromHealToAllAcknowledged).DefaultIfEmpty(-1).Max();
}
