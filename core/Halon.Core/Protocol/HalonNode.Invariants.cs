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
        Assert(_log.Count == 0 || _log[^1].Term <= _term, "last log entry from a future term");
        Assert(_log.Count == 0 || _log[^1].Index == _log.Count, "log index out of step with its position");
        Assert(_outbox.Count <= Limits.ReadyMessagesMax, "too many messages in one batch");
        Assert(_pendingAcknowledgements.Count <= Limits.PendingAcknowledgementsMax, "pending acknowledgements beyond their bound");
        Assert(_pendingNewSatellites >= 0 && _pendingNewSatellites <= _pendingAcknowledgements.Count, "pending new satellites out of step with the pending acknowledgements");

        switch (_roleConfig.Role)
        {
            case NodeRole.Station:
                Assert(_roleConfig.Peers is not null && _roleConfig.Peers.Contains(Id), "station peer outside its own peer set");
                Assert(_state != SupervisorState.None, "station peer without a supervisor state");
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
            Assert(_termStartIndex >= 1 && TermAt(_termStartIndex) == _term, "master without its term's first entry");
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

    private void Assert(bool condition, string what)
    {
        if (!condition)
        {
            throw new HalonInvariantException($"{Id} (term {_term}, {_state}): {what}");
        }
    }
}
