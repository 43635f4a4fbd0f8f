namespace Halon.Simulation.Coyote.Testing;

/// <summary>
/// What the iterations of a run did, summed over all of them: evidence that elections, failovers and faults really
/// happen in the explored schedules, and how long the cluster took to converge after the heal.
/// </summary>
public sealed record CoyoteCoverage
{
    /// <summary>Iterations that started.</summary>
    public long Iterations { get; init; }

    /// <summary>Elections won (BecameMaster effects).</summary>
    public long Elections { get; init; }

    /// <summary>Coordinator starts, restarts in the same epoch included.</summary>
    public long CoordinatorStarts { get; init; }

    /// <summary>The highest term reached in each iteration, summed.</summary>
    public long HighestTermTotal { get; init; }

    /// <summary>Partitions the nemesis made (halves, an isolated node, a one-way cut).</summary>
    public long Partitions { get; init; }

    /// <summary>Node crashes the nemesis caused, crashes between persist and send included.</summary>
    public long Crashes { get; init; }

    /// <summary>Crashes that struck between persisting a batch and sending it.</summary>
    public long PersistCrashes { get; init; }

    /// <summary>Crashes right after a batch that acknowledged something (targeted).</summary>
    public long AcknowledgementCrashes { get; init; }

    /// <summary>Majority shifts: the master's bare majority loses a node right after it acknowledged (targeted).</summary>
    public long MajorityShifts { get; init; }

    /// <summary>Process pauses.</summary>
    public long Pauses { get; init; }

    /// <summary>Coordinator process crashes asked of the station.</summary>
    public long CoordinatorCrashes { get; init; }

    /// <summary>Messages the network lost.</summary>
    public long MessagesLost { get; init; }

    /// <summary>Messages the network delivered twice.</summary>
    public long MessagesDuplicated { get; init; }

    /// <summary>Messages the network delayed to a later round.</summary>
    public long MessagesDelayed { get; init; }

    /// <summary>Satellite incarnations that received their acknowledgement.</summary>
    public long SatellitesAcknowledged { get; init; }

    /// <summary>Snapshots taken (log compactions) across iterations.</summary>
    public long SnapshotsTaken { get; init; }

    /// <summary>Snapshots installed from a master across iterations.</summary>
    public long SnapshotsInstalled { get; init; }

    /// <summary>Iterations that converged after the heal.</summary>
    public long Converged { get; init; }

    /// <summary>Rounds from the heal to convergence (the heal's own round counts as one), summed over converged iterations.</summary>
    public long RoundsToConvergeTotal { get; init; }

    /// <summary>The most rounds any iteration took from the heal to convergence.</summary>
    public int RoundsToConvergeMax { get; init; }

    /// <summary>Changes of the station's peers the nemesis asked for (each sent three times).</summary>
    public long PeerChanges { get; init; }

    /// <summary>Mean highest term per iteration.</summary>
    public double HighestTermMean => Iterations == 0 ? 0 : (double)HighestTermTotal / Iterations;

    /// <summary>Mean rounds from the heal to convergence.</summary>
    public double RoundsToConvergeMean => Converged == 0 ? 0 : (double)RoundsToConvergeTotal / Converged;
}
