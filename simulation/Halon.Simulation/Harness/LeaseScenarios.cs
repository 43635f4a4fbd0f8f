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

    /// <summary>
    /// The master crashes right after a batch that advanced its commit index, before sending it, and restarts after a
    /// while: with divergent logs and entry-by-entry catch-up, this is the last step of Raft's Figure 8.
    /// </summary>
    MasterCrashAfterCommit = 128,

    /// <summary>
    /// Raft's Figure 8, played out: the master crashes right after appending a satellite's entry (on no one else); the
    /// next master crashes right after appending its first entry at the same index (on no one else either); the first
    /// comes back, is elected again, brings a follower up to date entry by entry, and crashes right after its next
    /// commit; the second comes back. Correct commit rules lose nothing; committing an earlier term's entry by counting
    /// loses a committed entry. (Its runs also send few entries per AppendEntries.)
    /// </summary>
    Figure8 = 256,

    /// <summary>
    /// Old news for a satellite across a failover: it restarts (a new incarnation), the master's acknowledgements to it
    /// are held back 40–80 ticks and a later master's 40 ticks more, late copies of its previous announcement reach the
    /// peers, and the master is cut off briefly, so that words of two coordinators' epochs reach it out of order.
    /// </summary>
    StaleAcknowledgement = 512,

    /// <summary>Every scenario.</summary>
    All = MajorityShift | CrashAfterAcknowledgement | PauseAtLeaseEdge | LateCopies | MasterCrashAfterAppend | IsolateMasterBriefly | ReinstallSatellite | MasterCrashAfterCommit | Figure8 | StaleAcknowledgement,
}
