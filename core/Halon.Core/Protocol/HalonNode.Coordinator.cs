using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Persistence;

namespace Halon.Core.Protocol;

/// <summary>
/// The Recovery Coordinator: it runs on the master while the lease holds, with epoch = term, and its state is what
/// committed log entries say. It acknowledges a satellite only once the acknowledgement is committed.
/// </summary>
public sealed partial class HalonNode
{
    private readonly Dictionary<NodeId, SatelliteRecord> _satellites = new();

    /// <summary>
    /// Master only: satellites whose acknowledgement is appended but not committed, with that incarnation and
    /// installation, and whether the node was new to the station when it was appended. _pendingNewSatellites counts
    /// the new ones, so that the satellite limit counts them too.
    /// </summary>
    private readonly Dictionary<NodeId, (long Incarnation, long InstallId, bool IsNew)> _pendingAcknowledgements = new();

    private int _pendingNewSatellites;

    private long _appliedIndex;
    private bool _coordinatorRunning;
    private int _coordinatorStarts;

    /// <summary>Tick at which a crashed coordinator may be restarted, or -1 when none crashed.</summary>
    private long _coordinatorRestartAt = -1;

    /// <summary>
    /// Fault input: the coordinator process died. The supervisor restarts it after
    /// <see cref="ProtocolOptions.CoordinatorRestartDelayTicks"/> if this node is still master with a lease.
    /// </summary>
    public void CrashCoordinator()
    {
        if (_coordinatorRunning)
        {
            StopCoordinator("the coordinator crashed; the supervisor will restart it");
            _coordinatorRestartAt = _now + _options.CoordinatorRestartDelayTicks;
        }

        CheckInvariants();
    }

    private void MaybeStartCoordinator()
    {
        if (_coordinatorRunning || _state != SupervisorState.Master || _now < _coordinatorRestartAt)
        {
            return;
        }

        // Start only on a complete state: the term's first entry is committed (so every earlier committed entry is
        // known), all of it is applied, and the lease holds.
        if (_commitIndex < _termStartIndex || _appliedIndex != _commitIndex || !LeaseHolds)
        {
            return;
        }

        _coordinatorRunning = true;
        _coordinatorRestartAt = -1;
        Emit(new CoordinatorStarted(_term, _coordinatorStarts, _satellites.Count));
        _coordinatorStarts++;
    }

    private void StopCoordinator(string reason)
    {
        if (!_coordinatorRunning)
        {
            return;
        }

        _coordinatorRunning = false;
        Emit(new CoordinatorStopped(_term, reason));
    }

    private void ApplyCommitted()
    {
        while (_appliedIndex < _commitIndex)
        {
            _appliedIndex++;
            switch (EntryAt(_appliedIndex)!.Command)
            {
                case SatelliteAcknowledgedCommand acknowledged:
                    ApplySatelliteAcknowledged(acknowledged);
                    break;
                case SatelliteRemovedCommand removed:
                    ApplySatelliteRemoved(removed);
                    break;
                case StationConfigCommand configured:
                    ApplyConfiguration(configured);
                    break;
            }
        }

        MaybeTakeSnapshot();
        CheckMembership();
    }

    private void ApplySatelliteAcknowledged(SatelliteAcknowledgedCommand command)
    {
        var reinstalled = false;
        _satellites.TryGetValue(command.Satellite, out var known);
        if (known is null || command.Incarnation > known.Incarnation)
        {
            reinstalled = known is not null && IsOtherInstallation(known.InstallId, command.InstallId);
            _satellites[command.Satellite] = new SatelliteRecord(command.Incarnation, command.Facts, _appliedIndex)
            {
                InstallId = command.InstallId,
                Reinstalls = (known?.Reinstalls ?? 0) + (reinstalled ? 1 : 0),
            };
        }

        if (_pendingAcknowledgements.TryGetValue(command.Satellite, out var pending) && pending.Incarnation <= command.Incarnation)
        {
            RemovePending(command.Satellite);
        }

        if (_coordinatorRunning && _satellites[command.Satellite].Incarnation == command.Incarnation)
        {
            Acknowledge(command.Satellite, _satellites[command.Satellite], reinstalled);
        }
    }

    /// <summary>Whether two installation ids name different installations (0 means unknown and matches anything).</summary>
    private static bool IsOtherInstallation(long recorded, long announced) => recorded != 0 && announced != 0 && recorded != announced;

    private void AddPending(NodeId satellite, long incarnation, long installId, bool isNew)
    {
        _pendingAcknowledgements[satellite] = (incarnation, installId, isNew);
        _pendingNewSatellites += isNew ? 1 : 0;
    }

    private void RemovePending(NodeId satellite)
    {
        if (_pendingAcknowledgements.Remove(satellite, out var removed))
        {
            _pendingNewSatellites -= removed.IsNew ? 1 : 0;
        }
    }

    /// <summary>
    /// A new master's log may end in acknowledgements appended by earlier masters and not yet committed. They commit
    /// with the first entry of this term, so they count as pending: a repeated announcement waits for them instead of
    /// appending again, and the satellite limit counts them.
    /// </summary>
    private void AdoptUncommittedAcknowledgements()
    {
        ClearPending();
        for (var index = _commitIndex + 1; index <= LastLogIndex && _pendingAcknowledgements.Count < Limits.PendingAcknowledgementsMax; index++)
        {
            if (EntryAt(index)!.Command is SatelliteAcknowledgedCommand command)
            {
                var isNew = !_satellites.ContainsKey(command.Satellite);
                if (_pendingAcknowledgements.TryGetValue(command.Satellite, out var earlier))
                {
                    isNew = earlier.IsNew;
                    RemovePending(command.Satellite);
                }

                AddPending(command.Satellite, command.Incarnation, command.InstallId, isNew);
            }
        }
    }

    private void ClearPending()
    {
        _pendingAcknowledgements.Clear();
        _pendingNewSatellites = 0;
        _pendingRemovals.Clear();
    }

    private void Acknowledge(NodeId satellite, SatelliteRecord record, bool reinstalled)
    {
        Send(new NodeUpAck(Id, satellite, record.Incarnation, _term, Peers) { InstallId = record.InstallId });
        Emit(new SatelliteAcknowledged(satellite, record.Incarnation, _term, record.Facts.Hostname) { Reinstalled = reinstalled, InstallId = record.InstallId });
    }

    /// <summary>
    /// The master's "not ready" answer: a redirect that names the master itself. The satellite keeps the master as its
    /// target and announces to it again after its back-off, which grows.
    /// </summary>
    private void SendNotReady(NodeId satellite) => Send(new NodeUpRedirect(Id, satellite, Id, _term, Peers));

    private StepResult StepNodeUp(NodeUp nodeUp)
    {
        if (_roleConfig.Role != NodeRole.Station)
        {
            Send(new NodeUpRedirect(Id, nodeUp.From, null, 0));
            return StepResult.Dropped($"NodeUp from {nodeUp.From}, but this node is not a station peer", DropCategory.RoleMismatch);
        }

        if (nodeUp.Incarnation < 1 || nodeUp.Facts is null || !nodeUp.Facts.IsValid)
        {
            return StepResult.Dropped($"NodeUp from {nodeUp.From} with an invalid incarnation or host facts", DropCategory.Malformed);
        }

        if (!_coordinatorRunning)
        {
            var hint = _state == SupervisorState.Master ? Id : _leader;
            Send(new NodeUpRedirect(Id, nodeUp.From, hint, _term, Peers));
            return StepResult.Handled;
        }

        if (RefuseRemoved(nodeUp) is { } refused)
        {
            return refused;
        }

        var satellite = nodeUp.From;
        _satellites.TryGetValue(satellite, out var known);
        var hasPending = _pendingAcknowledgements.TryGetValue(satellite, out var pending);
        if (known is not null && known.Incarnation == nodeUp.Incarnation && !IsOtherInstallation(known.InstallId, nodeUp.InstallId))
        {
            Acknowledge(satellite, known, reinstalled: false); // Repeated announcement: acknowledge again, append nothing.
            return StepResult.Handled;
        }

        if (hasPending && pending.Incarnation == nodeUp.Incarnation && !IsOtherInstallation(pending.InstallId, nodeUp.InstallId))
        {
            // Already on its way to commit; the acknowledgement follows it. Say "not ready" meanwhile, so that the
            // satellite keeps this master as its target (with its back-off growing) instead of going round the
            // followers, each of which would only redirect it here.
            SendNotReady(satellite);
            return StepResult.Handled;
        }

        // The newest incarnation the station holds for this node, committed or on its way to commit. An announcement
        // must order after it: a lower incarnation is stale, and the same one from another installation is a node
        // that was reinstalled (its data dir lost). Either way the satellite is told what was recorded, and, if it is
        // the installation named, it takes the next incarnation and announces again.
        var (recorded, recordedInstall) = hasPending && pending.Incarnation > (known?.Incarnation ?? 0)
            ? (pending.Incarnation, pending.InstallId)
            : (known?.Incarnation ?? 0, known?.InstallId ?? 0);
        if (nodeUp.Incarnation <= recorded)
        {
            Send(new NodeUpOutdated(Id, satellite, nodeUp.InstallId, recorded, recordedInstall, _term));
            return StepResult.Dropped($"NodeUp from {satellite} for incarnation {nodeUp.Incarnation}, not above the recorded {recorded}; told it so", DropCategory.Outdated);
        }

        if (!hasPending && _pendingAcknowledgements.Count >= Limits.PendingAcknowledgementsMax)
        {
            SendNotReady(satellite);
            return StepResult.Dropped($"NodeUp from {satellite}: {Limits.PendingAcknowledgementsMax} acknowledgements already wait for commit; it will retry", DropCategory.LimitReached);
        }

        if (known is null && !hasPending && _satellites.Count + _pendingNewSatellites >= _options.SatellitesMax)
        {
            SendNotReady(satellite);
            return StepResult.Dropped($"NodeUp from {satellite}: the station tracks {_options.SatellitesMax} satellites already (acknowledged or waiting for commit)", DropCategory.LimitReached);
        }

        RemovePending(satellite);
        AddPending(satellite, nodeUp.Incarnation, nodeUp.InstallId, isNew: known is null);
        AppendToLog(new LogEntry(LastLogIndex + 1, _term, new SatelliteAcknowledgedCommand(satellite, nodeUp.Incarnation, nodeUp.Facts) { InstallId = nodeUp.InstallId }));
        BroadcastAppend();
        MaybeCommit();
        return StepResult.Handled;
    }
}
