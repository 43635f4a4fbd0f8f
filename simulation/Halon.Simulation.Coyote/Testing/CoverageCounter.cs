namespace Halon.Simulation.Coyote.Testing;

/// <summary>
/// Where the actors and monitors count what happens, for <see cref="CoyoteCoverage"/>. It is static because Coyote
/// creates the monitors itself; <see cref="CoyoteRunner"/> resets it before a run and reads it after, so a process
/// runs one Coyote engine at a time (the tests share one xunit collection). Coyote runs one actor at a time and hands
/// control over with full fences, so plain fields are enough.
/// </summary>
internal static class CoverageCounter
{
    private static long s_iterations;
    private static long s_elections;
    private static long s_coordinatorStarts;
    private static long s_highestTermTotal;
    private static long s_highestTerm;
    private static long s_partitions;
    private static long s_crashes;
    private static long s_persistCrashes;
    private static long s_acknowledgementCrashes;
    private static long s_majorityShifts;
    private static long s_pauses;
    private static long s_coordinatorCrashes;
    private static long s_messagesLost;
    private static long s_messagesDuplicated;
    private static long s_messagesDelayed;
    private static long s_satellitesAcknowledged;
    private static long s_snapshotsTaken;
    private static long s_snapshotsInstalled;
    private static long s_converged;
    private static long s_roundsToConvergeTotal;
    private static int s_roundsToConvergeMax;
    private static long s_peerChanges;

    public static void Reset()
    {
        s_iterations = s_elections = s_coordinatorStarts = s_highestTermTotal = s_highestTerm = 0;
        s_partitions = s_crashes = s_persistCrashes = s_pauses = s_coordinatorCrashes = 0;
        s_acknowledgementCrashes = s_majorityShifts = 0;
        s_messagesLost = s_messagesDuplicated = s_messagesDelayed = s_satellitesAcknowledged = 0;
        s_converged = s_roundsToConvergeTotal = 0;
        s_snapshotsTaken = s_snapshotsInstalled = 0;
        s_roundsToConvergeMax = 0;
        s_peerChanges = 0;
    }

    public static void PeersChanged() => s_peerChanges++;

    public static void IterationStarted()
    {
        s_highestTermTotal += s_highestTerm;
        s_highestTerm = 0;
        s_iterations++;
    }

    public static void Elected(long term)
    {
        s_elections++;
        s_highestTerm = Math.Max(s_highestTerm, term);
    }

    public static void CoordinatorStarted() => s_coordinatorStarts++;

    public static void Partitioned() => s_partitions++;

    public static void Crashed() => s_crashes++;

    public static void CrashedAfterPersist() => s_persistCrashes++;

    public static void CrashedAfterAcknowledgement() => s_acknowledgementCrashes++;

    public static void MajorityShifted() => s_majorityShifts++;

    public static void Paused() => s_pauses++;

    public static void CoordinatorCrashed() => s_coordinatorCrashes++;

    public static void MessageLost() => s_messagesLost++;

    public static void MessageDuplicated() => s_messagesDuplicated++;

    public static void MessageDelayed() => s_messagesDelayed++;

    public static void SatelliteAcknowledged() => s_satellitesAcknowledged++;

    public static void SnapshotTaken() => s_snapshotsTaken++;

    public static void SnapshotInstalled() => s_snapshotsInstalled++;

    public static void Converged(int rounds)
    {
        s_converged++;
        s_roundsToConvergeTotal += rounds;
        s_roundsToConvergeMax = Math.Max(s_roundsToConvergeMax, rounds);
    }

    public static CoyoteCoverage Snapshot() => new()
    {
        Iterations = s_iterations,
        Elections = s_elections,
        CoordinatorStarts = s_coordinatorStarts,
        HighestTermTotal = s_highestTermTotal + s_highestTerm,
        Partitions = s_partitions,
        Crashes = s_crashes,
        PersistCrashes = s_persistCrashes,
        AcknowledgementCrashes = s_acknowledgementCrashes,
        MajorityShifts = s_majorityShifts,
        Pauses = s_pauses,
        CoordinatorCrashes = s_coordinatorCrashes,
        MessagesLost = s_messagesLost,
        MessagesDuplicated = s_messagesDuplicated,
        MessagesDelayed = s_messagesDelayed,
        SatellitesAcknowledged = s_satellitesAcknowledged,
        SnapshotsTaken = s_snapshotsTaken,
        SnapshotsInstalled = s_snapshotsInstalled,
        Converged = s_converged,
        RoundsToConvergeTotal = s_roundsToConvergeTotal,
        RoundsToConvergeMax = s_roundsToConvergeMax,
        PeerChanges = s_peerChanges,
    };
}
