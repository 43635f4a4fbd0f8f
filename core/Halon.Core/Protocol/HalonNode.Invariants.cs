using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Halon.Core.Protocol;

/// <summary>
/// The node's own invariants, checked after every input in every build. A failure is a bug in the core, so it throws.
/// Cross-node invariants (one master per term, one coordinator at a time) are the simulator's checkers.
/// </summary>
public sealed partial class HalonNode
{
    private void CheckInvariants()
    {
        Assert(_term >= 0, "term is negative");
        Assert(_commitIndex <= LastLogIndex, "commit index beyond the log");
        Assert(_appliedIndex <= _commitIndex, "applied beyond the commit index");
        Assert(_appliedIndex == _commitIndex, "committed entries left unapplied after an input");
        Assert(LastLogTerm <= _term, "last log entry from a future term");
        Assert(_log.Count == 0 || (_log[0].Index == FirstLogIndex && _log[^1].Index == LastLogIndex), "log index out of step with its position");
        Assert(_logStart <= _snapshotIndex, "log starts after the snapshot's last entry");
        Assert(_snapshotIndex <= _appliedIndex, "snapshot beyond the applied index");
        Assert(_snapshot is null ? _snapshotIndex == 0 && _snapshotTerm == 0 : _snapshot.LastIncludedIndex == _snapshotIndex && _snapshot.LastIncludedTerm == _snapshotTerm && _snapshotTerm >= 1, "snapshot index or term out of step with the snapshot");
        Assert(EntryAt(_snapshotIndex + 1) is not { } next || next.Term >= _snapshotTerm, "log entry of a term below the snapshot's");
        Assert(_roleConfig.Role != NodeRole.Station || _appliedIndex - _snapshotIndex < _options.SnapshotThresholdEntries, "applied entries beyond the snapshot threshold left uncompacted");
        Assert(_outbox.Count <= Limits.ReadyMessagesMax, "too many messages in one batch");
        Assert(_pendingAcknowledgements.Count <= Limits.PendingAcknowledgementsMax, "pending acknowledgements beyond their bound");
        Assert(_pendingNewSatellites >= 0 && _pendingNewSatellites <= _pendingAcknowledgements.Count, "pending new satellites out of step with the pending acknowledgements");

        switch (_roleConfig.Role)
        {
            case NodeRole.Station:
                Assert(_roleConfig.Peers is not null && (_roleConfig.Peers.Contains(Id) || _roleConfig.Joining || _roleConfig.Removed), "station peer outside its own bootstrap peer set");
                Assert(_config is not null && _appliedConfig is not null, "station peer without a configuration");
                Assert(_roleConfig.Removed ? _state == SupervisorState.None : _state != SupervisorState.None, "station peer whose supervisor runs after it left, or does not run before");
                Assert(_configIndex <= LastLogIndex, "configuration from beyond the log");
                break;
            case NodeRole.Satellite:
                Assert(_roleConfig.Station is not null, "satellite without a station");
                Assert(_roleConfig.Incarnation >= 1, "satellite without an incarnation");
                Assert(_state == SupervisorState.None, "satellite with a supervisor state");
                Assert(!_roleConfig.Removed || !_announceAcknowledged, "removed satellite that counts itself acknowledged");
                break;
            default:
                Assert(_state == SupervisorState.None, "supervisor state without a role");
                break;
        }

        if (_state == SupervisorState.Master)
        {
            Assert(Id.Equals(_votedFor), "master that did not vote for itself");
            Assert(Id.Equals(_leader), "master that does not name itself leader");
            Assert(_termStartIndex >= 1 && (_termStartIndex <= _snapshotIndex ? _snapshotTerm == _term : TermAt(_termStartIndex) == _term), "master without its term's first entry");
            Assert(Config.IsVoter(Id) || ConfigurationChangeInFlight, "master outside a committed configuration");
            // Of a configuration this master appended (after its term's first entry, so after every earlier one
            // committed): one voter at most from the committed one. An inherited uncommitted tail may hold two changes
            // whose first the old master saw committed; this master's commit index catches up with its first entry.
            Assert(!ConfigurationChangeInFlight || _configIndex < _termStartIndex || _appliedConfig!.VoterDistance(Config) <= 1, "master with a configuration in flight that differs from the committed one by more than one voter");
        }
        else
        {
            Assert(_pendingAcknowledgements.Count == 0, "pending acknowledgements on a non-master");
            Assert(_pendingRemovals.Count == 0, "pending removals on a non-master");
        }

        if (_coordinatorRunning)
        {
            Assert(_state == SupervisorState.Master, "coordinator running on a non-master");
            Assert(LeaseHolds, "coordinator running without a lease");
            Assert(_commitIndex >= _termStartIndex, "coordinator running before its term's first entry committed");
        }
    }

    // Inlined: every input checks some twenty of these, and a hundred thousand simulated satellites tick them
    // hundreds of millions of times; the throw lives apart so that the check stays small.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Assert(bool condition, string what)
    {
        if (!condition)
        {
            InvariantBroken(what);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void InvariantBroken(string what) => throw new HalonInvariantException($"{Id} (term {_term}, {_state}): {what}");
}
