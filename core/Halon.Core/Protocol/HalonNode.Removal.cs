using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Persistence;

namespace Halon.Core.Protocol;

/// <summary>
/// Decommissioning: the coordinator appends a <see cref="SatelliteRemovedCommand"/> on an operator's request; once
/// committed, every peer takes the satellite out of its table and keeps a tombstone (node id and installation id).
/// The coordinator refuses announcements from a removed installation with <see cref="NodeUpRemoved"/>, and the
/// satellite stops announcing until it is bootstrapped again, which gives it a new installation id.
/// </summary>
public sealed partial class HalonNode
{
    /// <summary>Tombstones, applied from committed removals: node → the installation id removed (0 when unknown).</summary>
    private readonly Dictionary<NodeId, long> _removedSatellites = new();

    /// <summary>Master only: removals appended but not committed, with the installation id they remove.</summary>
    private readonly Dictionary<NodeId, long> _pendingRemovals = new();

    // Satellite only: the removal notice that stopped this installation's announcer (volatile; persisted as RoleConfig.Removed).
    private long _removedEpoch;
    private NodeId? _removedBy;

    /// <summary>
    /// The station's tombstones as applied from committed entries: each removed node with the installation id that was
    /// removed. A tombstone stays when a new installation of the node is acknowledged later, so that the removed one
    /// is still refused.
    /// </summary>
    public IReadOnlyDictionary<NodeId, long> RemovedSatellites => _removedSatellites;

    /// <summary>Whether this satellite was told that the station removed it (and so announces no more).</summary>
    public bool RemovedFromStation => _roleConfig.Role == NodeRole.Satellite && _roleConfig.Removed;

    /// <summary>
    /// Operator command: take <paramref name="satellite"/> out of the station's table. Only the running coordinator
    /// decides: it appends the removal of the newest installation it holds for the node (committed or on its way), and
    /// the removal takes effect when it commits. Repeating the request while it waits for commit appends nothing; once
    /// committed, the answer is <see cref="RemovalOutcome.AlreadyRemoved"/>. A node the station has no record of is
    /// <see cref="RemovalOutcome.Unknown"/>, and nothing changes.
    /// </summary>
    public RemovalResult RemoveSatellite(NodeId satellite)
    {
        ArgumentNullException.ThrowIfNull(satellite);
        var result = DecideRemoval(satellite);
        CheckInvariants();
        return result;
    }

    private RemovalResult DecideRemoval(NodeId satellite)
    {
        if (_roleConfig.Role != NodeRole.Station)
        {
            return new RemovalResult(RemovalOutcome.NotStation, $"{Id} is not a station peer; ask a peer of the station");
        }

        if (!_coordinatorRunning)
        {
            var (master, where) = WhereTheCoordinatorIs();
            return new RemovalResult(RemovalOutcome.NotCoordinator, where, master);
        }

        if (_pendingRemovals.ContainsKey(satellite))
        {
            return new RemovalResult(RemovalOutcome.Pending, $"the removal of {satellite} waits for commit", null, PendingRemovalIndex(satellite));
        }

        var inTable = _satellites.TryGetValue(satellite, out var known);
        var hasPending = _pendingAcknowledgements.TryGetValue(satellite, out var pending);
        if (!inTable && !hasPending)
        {
            return _removedSatellites.ContainsKey(satellite)
                ? new RemovalResult(RemovalOutcome.AlreadyRemoved, $"{satellite} is removed already")
                : new RemovalResult(RemovalOutcome.Unknown, $"the station has no record of {satellite}; nothing to remove");
        }

        if (!_removedSatellites.ContainsKey(satellite) && _removedSatellites.Count + _pendingRemovals.Count >= Limits.RemovedSatellitesMax)
        {
            return new RemovalResult(RemovalOutcome.LimitReached, $"the station keeps {Limits.RemovedSatellitesMax} tombstones of removed satellites already; {satellite} stays");
        }

        // The newest installation the station holds for the node: an acknowledgement on its way to commit orders after
        // the committed record, and it commits before this removal, which follows it in the log.
        var installId = hasPending && (!inTable || pending.Incarnation > known!.Incarnation) ? pending.InstallId : known!.InstallId;
        var index = LastLogIndex + 1;
        _pendingRemovals[satellite] = installId;
        AppendToLog(new LogEntry(index, _term, new SatelliteRemovedCommand(satellite, installId)));
        BroadcastAppend();
        MaybeCommit();
        return new RemovalResult(RemovalOutcome.Appended, $"the removal of {satellite} is appended at index {index}", null, index);
    }

    /// <summary>For an operator command that only the coordinator decides: the master this node knows, and why it cannot decide.</summary>
    private (NodeId? Master, string Why) WhereTheCoordinatorIs()
    {
        var master = _state == SupervisorState.Master ? Id : _leader;
        var why = master is null
            ? $"{Id} knows no master now ({Halon.Core.Status.NodeStatus.StateText(_state)}); retry once the station has a coordinator"
            : master.Equals(Id)
                ? $"{Id} is master, but its coordinator is not running yet; retry shortly"
                : $"{Id} does not run the coordinator; the master is {master}";
        return (master, why);
    }

    private long PendingRemovalIndex(NodeId satellite)
    {
        for (var index = LastLogIndex; index > _commitIndex; index--)
        {
            if (EntryAt(index)!.Command is SatelliteRemovedCommand removal && removal.Satellite.Equals(satellite))
            {
                return index;
            }
        }

        throw new HalonInvariantException($"{Id}: pending removal of {satellite} is not in the uncommitted log");
    }

    private void ApplySatelliteRemoved(SatelliteRemovedCommand command)
    {
        _satellites.Remove(command.Satellite);
        _removedSatellites[command.Satellite] = command.InstallId;
        _pendingRemovals.Remove(command.Satellite);
        if (_coordinatorRunning)
        {
            Send(new NodeUpRemoved(Id, command.Satellite, command.InstallId, _term, Peers));
        }

        if (_state != SupervisorState.None)
        {
            // Not while a restarted node re-applies its log: that is history, logged when it happened.
            Emit(new SatelliteRemoved(command.Satellite, command.InstallId, _appliedIndex, _coordinatorRunning));
        }
    }

    /// <summary>
    /// The refusal rule, for the running coordinator: an announcement is refused when its installation is the one a
    /// tombstone names, or when it names no installation (0) while a tombstone exists, since such a node cannot show
    /// that it was bootstrapped again. The satellite is told. While a removal of the node waits for commit, every
    /// announcement of it is dropped untold (it retries, and is then refused or, had the removal been lost, handled).
    /// </summary>
    private StepResult? RefuseRemoved(NodeUp nodeUp)
    {
        var satellite = nodeUp.From;
        if (_pendingRemovals.ContainsKey(satellite))
        {
            return StepResult.Dropped($"NodeUp from {satellite}, whose removal waits for commit", DropCategory.Removed);
        }

        if (_removedSatellites.TryGetValue(satellite, out var removedInstall) && (nodeUp.InstallId == removedInstall || nodeUp.InstallId == 0))
        {
            Send(new NodeUpRemoved(Id, satellite, nodeUp.InstallId, _term, Peers));
            return StepResult.Dropped($"NodeUp from {satellite}, installation {nodeUp.InstallId:x}, which the station removed; told it so", DropCategory.Removed);
        }

        return null;
    }

    private StepResult StepNodeUpRemoved(NodeUpRemoved removed)
    {
        if (_roleConfig.Role != NodeRole.Satellite || !KnowsStationPeer(removed.From))
        {
            return StepResult.Dropped($"removal notice from {removed.From}, which is not this satellite's station", DropCategory.NotAMember);
        }

        CompareStation(removed.From, removed.Station);
        if (removed.Epoch < _highestEpochSeen)
        {
            return StepResult.Dropped($"removal notice of epoch {removed.Epoch} fenced: epoch {_highestEpochSeen} was seen already", DropCategory.Fenced);
        }

        _highestEpochSeen = removed.Epoch;
        if (removed.InstallId != _roleConfig.InstallId)
        {
            return StepResult.Dropped($"removal notice for installation {removed.InstallId:x}; this is installation {_roleConfig.InstallId:x}", DropCategory.Outdated);
        }

        if (_roleConfig.Removed)
        {
            return StepResult.Handled; // Told again: nothing more to do.
        }

        _roleConfig = _roleConfig with { Removed = true };
        _roleDirty = true;
        _announceAcknowledged = false;
        ForgetAnnounceTarget();
        _removedEpoch = removed.Epoch;
        _removedBy = removed.From;
        Emit(new RemovedFromStation(removed.InstallId, removed.Epoch, removed.From));
        return StepResult.Handled;
    }
}
