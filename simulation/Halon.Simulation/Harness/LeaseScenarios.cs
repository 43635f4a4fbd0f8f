namespace Halon.Simulation.Harness;

/// <summary>
/// The targeted nemesis' scenarios: schedules aimed at the lease and at term boundaries, which uniform random faults
/// almost never build (FoundationDB's BUGGIFY and TigerBeetle's VOPR bias their schedules the same way).
/// </summary>
[Flags]
public enum LeaseScenarios
{
    None = 0,

    /// <summary>
    /// The master's side is a bare majority; then one follower on it crashes right after acknowledging a heartbeat,
    /// restarts within 0–4 ticks, and the partition moves it to the other side, so a new majority forms around it
    /// while the old lease may still run.
    /// </summary>
    MajorityShift = 1,

    /// <summary>A peer crashes right after a batch that acknowledged something (a vote, an append) and restarts within 0–4 ticks.</summary>
    CrashAfterAcknowledgement = 2,

    /// <summary>The master pauses for about a lease or an election timeout (from L − 2 to E + 3 ticks).</summary>
    PauseAtLeaseEdge = 4,

    /// <summary>For a while, messages that carry a term or an epoch get a copy delivered 3–40 ticks late.</summary>
    LateCopies = 8,

    /// <summary>The master crashes right after persisting entries of its term, before replicating them, and restarts soon.</summary>
    MasterCrashAfterAppend = 16,

    /// <summary>The master is cut off for E/2 to 2E ticks, then the network heals.</summary>
    IsolateMasterBriefly = 32,

    /// <summary>A satellite loses its data dir and is bootstrapped again (a reinstall).</summary>
    ReinstallSatellite = 64,

    /// <summary>Every scenario.</summary>
    All = MajorityShift | CrashAfterAcknowledgement | PauseAtLeaseEdge | LateCopies | MasterCrashAfterAppend | IsolateMasterBriefly | ReinstallSatellite,
}
