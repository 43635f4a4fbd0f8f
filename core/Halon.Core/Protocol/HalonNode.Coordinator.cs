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

    /// <summary>Master only: satellites whose acknowledgement is appended but not committed, with that incarnation.</summary>
    private readonly Dictionary<NodeId, long> _pendingAcknowledgements = new();

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
            if (_log[(int)(_appliedIndex - 1)].Command is SatelliteAcknowledgedCommand command)
            {
                ApplySatelliteAcknowledged(command);
            }
        }
    }

    private void ApplySatelliteAcknowledged(SatelliteAcknowledgedCommand command)
    {
        if (!_satellites.TryGetValue(command.Satellite, out var known) || command.Incarnation > known.Incarnation)
        {
            _satellites[command.Satellite] = new SatelliteRecord(command.Incarnation, command.Facts, _appliedIndex);
        }

        if (_pendingAcknowledgements.TryGetValue(command.Satellite, out var pending) && pending <= command.Incarnation)
        {
            _pendingAcknowledgements.Remove(command.Satellite);
        }

        if (_coordinatorRunning && _satellites[command.Satellite].Incarnation == command.Incarnation)
        {
            Acknowledge(command.Satellite, command.Incarnation, command.Facts);
        }
    }

    private void Acknowledge(NodeId satellite, long incarnation, HostFacts facts)
    {
        Send(new NodeUpAck(Id, satellite, incarnation, _term, Peers));
        Emit(new SatelliteAcknowledged(satellite, incarnation, _term, facts.Hostname));
    }

    private StepResult StepNodeUp(NodeUp nodeUp)
    {
        if (_roleConfig.Role != NodeRole.Station)
        {
            Send(new NodeUpRedirect(Id, nodeUp.From, null, 0));
            return StepResult.Dropped($"NodeUp from {nodeUp.From}, but this node is not a station peer");
        }

        if (nodeUp.Incarnation < 1 || nodeUp.Facts is null || !nodeUp.Facts.IsValid)
        {
            return StepResult.Dropped($"NodeUp from {nodeUp.From} with an invalid incarnation or host facts");
        }

        if (!_coordinatorRunning)
        {
            var hint = _state == SupervisorState.Master ? Id : _leader;
            Send(new NodeUpRedirect(Id, nodeUp.From, hint, _term, Peers));
            return StepResult.Handled;
        }

        var satellite = nodeUp.From;
        if (_satellites.TryGetValue(satellite, out var known) && known.Incarnation >= nodeUp.Incarnation)
        {
            if (known.Incarnation > nodeUp.Incarnation)
            {
                return StepResult.Dropped($"NodeUp from {satellite} for incarnation {nodeUp.Incarnation}, older than the acknowledged {known.Incarnation}");
            }

            Acknowledge(satellite, known.Incarnation, known.Facts); // Repeated announcement: acknowledge again, append nothing.
            return StepResult.Handled;
        }

        if (_pendingAcknowledgements.TryGetValue(satellite, out var pending) && pending >= nodeUp.Incarnation)
        {
            return StepResult.Handled; // Already on its way to commit; the acknowledgement follows it.
        }

        if (_pendingAcknowledgements.Count >= Limits.PendingAcknowledgementsMax)
        {
            return StepResult.Dropped($"NodeUp from {satellite}: {Limits.PendingAcknowledgementsMax} acknowledgements already wait for commit; it will retry");
        }

        if (known is null && _satellites.Count >= Limits.SatellitesMax)
        {
            return StepResult.Dropped($"NodeUp from {satellite}: the station tracks {Limits.SatellitesMax} satellites already");
        }

        _pendingAcknowledgements[satellite] = nodeUp.Incarnation;
        AppendToLog(new LogEntry(LastLogIndex + 1, _term, new SatelliteAcknowledgedCommand(satellite, nodeUp.Incarnation, nodeUp.Facts)));
        BroadcastAppend();
        MaybeCommit();
        return StepResult.Handled;
    }
}
