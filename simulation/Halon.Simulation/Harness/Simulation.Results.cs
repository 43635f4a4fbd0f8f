using Halon.Core.Effects;

namespace Halon.Simulation.Harness;

/// <summary>Results and readable descriptions.</summary>
public sealed partial class Simulation
{
    private SimulationResult Result() => new()
    {
        Options = _options,
        Violations = _monitor.Violations.ToArray(),
        TraceHash = _traceHash,
        Events = _events,
        TicksToFirstCoordinator = _firstCoordinatorAt < 0 ? -1 : (double)_firstCoordinatorAt / TimeUnitsPerTick,
        HealTick = (double)_healAt / TimeUnitsPerTick,
        TicksFromHealToCoordinator = _coordinatorAfterHealAt < 0 ? -1 : (double)(_coordinatorAfterHealAt - _healAt) / TimeUnitsPerTick,
        TicksFromHealToAllAcknowledged = _allAcknowledgedAfterHealAt < 0 ? -1 : (double)(_allAcknowledgedAfterHealAt - _healAt) / TimeUnitsPerTick,
        Elections = _elections,
        HighestTerm = _highestTerm,
        CoordinatorStarts = _coordinatorStarts,
        SatellitesAcknowledged = _satellitesAcknowledged,
        MessagesSent = _sent,
        MessagesDelivered = _delivered,
        MessagesDropped = _dropped,
        Crashes = _crashes,
        Faults = DescribeFaults(_faultMix),
        SnapshotsTaken = _snapshotsTaken,
        SnapshotsInstalled = _snapshotsInstalled,
        PeerChangesStarted = _peerChangesStarted,
        PeerChangesDone = _peerChangesDone,
        PeerChangesGivenUp = _peerChangesGivenUp,
        PeerChangeRequests = _peerChangeRequests,
        VotersMin = _votersMin == int.MaxValue ? 0 : _votersMin,
        VotersMax = _votersMax,
        GrowShrinkCycles = _growShrinkCycles,
    };

    /// <summary>A one-line description of a fault mix.</summary>
    public static string DescribeFaults(FaultOptions faults)
    {
        ArgumentNullException.ThrowIfNull(faults);
        if (!faults.Any)
        {
            return "none";
        }

        var parts = new List<string>();
        if (faults.PacketLossProbability > 0)
        {
            parts.Add($"loss {faults.PacketLossProbability:P0}");
        }

        if (faults.PacketDuplicateProbability > 0)
        {
            parts.Add($"duplicate {faults.PacketDuplicateProbability:P0}");
        }

        if (faults.OneWayDelayTicksMax > 0.5)
        {
            parts.Add($"delay ≤{faults.OneWayDelayTicksMax:0.#} ticks");
        }

        if (faults.PartitionIntervalTicksMean > 0)
        {
            parts.Add($"partitions ({faults.PartitionKinds}) every ~{faults.PartitionIntervalTicksMean:0} ticks");
        }

        if (faults.CrashProbabilityPerTick > 0)
        {
            parts.Add($"crash {faults.CrashProbabilityPerTick * 1000:0.##}‰/tick");
        }

        if (faults.CrashAfterPersistProbability > 0)
        {
            parts.Add($"crash after persist {faults.CrashAfterPersistProbability:P1}");
        }

        if (faults.TornWriteProbability > 0)
        {
            parts.Add($"torn write {faults.TornWriteProbability:P1}");
        }

        if (faults.SnapshotThresholdEntries > 0)
        {
            parts.Add($"snapshot every {faults.SnapshotThresholdEntries} entries{(faults.SnapshotChunkBytes > 0 ? $" in {faults.SnapshotChunkBytes}-byte chunks" : string.Empty)}");
        }

        if (faults.SnapshotTornWriteProbability > 0)
        {
            parts.Add($"torn snapshot write {faults.SnapshotTornWriteProbability:P1}");
        }

        if (faults.InstallRacesElectionProbability > 0)
        {
            parts.Add($"install racing an election {faults.InstallRacesElectionProbability:P1}");
        }

        if (faults.WipePeerAfterHeal)
        {
            parts.Add("a peer wiped after the heal");
        }

        if (faults.ClockDrift)
        {
            parts.Add("clock drift");
        }

        if (faults.CoordinatorCrashProbabilityPerTick > 0)
        {
            parts.Add($"coordinator crash {faults.CoordinatorCrashProbabilityPerTick * 1000:0.##}‰/tick");
        }

        if (faults.Timing is { } timing)
        {
            parts.Add($"timing {timing.Name}");
        }

        if (faults.LeaseScenarios != LeaseScenarios.None)
        {
            parts.Add($"targeted ({faults.LeaseScenarios}) every ~{faults.LeaseScenarioIntervalTicksMean:0} ticks");
        }

        if (faults.PauseProbabilityPerTick > 0)
        {
            parts.Add($"pause {faults.PauseProbabilityPerTick * 1000:0.##}‰/tick ≤{faults.PauseTicksMax} ticks");
        }

        if (faults.RemovalIntervalTicksMean > 0)
        {
            parts.Add($"satellite removals every ~{faults.RemovalIntervalTicksMean:0} ticks");
        }

        if (faults.MembershipIntervalTicksMean > 0)
        {
            parts.Add($"peer changes every ~{faults.MembershipIntervalTicksMean:0} ticks");
        }

        return string.Join(", ", parts);
    }

    private static string StateName(Core.SupervisorState state) =>
        state == Core.SupervisorState.PreCandidate ? "pre-candidate" : Core.Status.NodeStatus.StateText(state);

    private static string Describe(Effect effect) => effect switch
    {
        RoleAssigned role => $"role {role.Role}: {role.Detail}",
        SupervisorStateChanged change => $"{StateName(change.From)} -> {StateName(change.To)} (term {change.Term}): {change.Reason}",
        BecameMaster master => $"became master of term {master.Term}",
        CoordinatorStarted started => $"coordinator started, epoch {started.Epoch}{(started.Restart > 0 ? $" (restart {started.Restart})" : string.Empty)}, {started.SatellitesKnown} satellites known",
        CoordinatorStopped stopped => $"coordinator of epoch {stopped.Epoch} stopped: {stopped.Reason}",
        SatelliteAcknowledged acknowledged => $"acknowledged {acknowledged.Satellite.Host} incarnation {acknowledged.Incarnation} (epoch {acknowledged.Epoch}{(acknowledged.Reinstalled ? ", a new installation" : string.Empty)})",
        IncarnationAdvanced advanced => $"the station recorded incarnation {advanced.Recorded} (told by {advanced.By.Host}): now incarnation {advanced.To}, was {advanced.From}",
        AnnouncementAcknowledged announced => $"announcement of incarnation {announced.Incarnation} acknowledged by {announced.By.Host} (epoch {announced.Epoch})",
        EntriesCommitted committed => $"committed entries {committed.FromIndex + 1}..{committed.ToIndex}",
        ConfigurationChanged changed => $"configuration {ConfigText(changed.Config)} (index {changed.Index}) {(changed.Committed ? "committed" : "in force, not committed")}: {changed.Reason}",
        StationListMismatch mismatch => $"its station list differs from the one {mismatch.ReportedBy.Host} reports ({string.Join(',', mismatch.Reported.Members.Select(m => m.Host))})",
        LeftStation left => $"left the station: the configuration {ConfigText(left.Config)} committed at index {left.Index} leaves it out",
        _ => effect.ToString(),
    };
}
