using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Persistence;

namespace Halon.Core.Protocol;

/// <summary>Station peer: the master's replication, commit and lease; the follower's side of AppendEntries.</summary>
public sealed partial class HalonNode
{
    /// <summary>Sentinel for "never acknowledged", far enough from long.MinValue that subtraction cannot overflow.</summary>
    private const long NeverTick = long.MinValue / 4;

    /// <summary>Batches of entries in flight to one follower at most while it catches up (see FillAppendWindow).</summary>
    private const int AppendWindowBatches = 4;

    // Master only, indexed like PeerSet.Members. _matchIndex[i] ≤ LastLogIndex; _nextIndex[i] > _matchIndex[i];
    // _ackTick[i] is the newest LeaderTick that peer i echoed in this term (≤ _now).
    private long[] _nextIndex = Array.Empty<long>();
    private long[] _matchIndex = Array.Empty<long>();
    private long[] _ackTick = Array.Empty<long>();
    private readonly long[] _scratch = new long[Limits.PeersMax];
    private long _termStartIndex;
    private long _becameMasterAt;
    private long _lastHeartbeatAt;

    /// <summary>Epoch of the coordinator on the master this follower last heard from (0: none running).</summary>
    private long _leaderCoordinatorEpoch;

    private int SelfIndex => Config.IndexOf(Id);

    private void BecomeMaster()
    {
        if (_state != SupervisorState.Candidate)
        {
            throw new HalonInvariantException($"{Id}: master from {_state}");
        }

        var count = Members.Count;
        _departed.Clear();
        _leader = Id;
        _nextIndex = new long[count];
        _matchIndex = new long[count];
        _ackTick = new long[count];
        Array.Fill(_nextIndex, LastLogIndex + 1);
        Array.Fill(_ackTick, NeverTick);
        ResetInstallProgress(count);
        _incoming = null;
        _becameMasterAt = _now;
        AdoptUncommittedAcknowledgements();
        ChangeState(SupervisorState.Master, $"won the election of term {_term}");
        Emit(new BecameMaster(_term));
        _termStartIndex = LastLogIndex + 1;
        AppendToLog(new LogEntry(_termStartIndex, _term, NoOpCommand.Instance));
        BroadcastAppend();
        MaybeCommit();
        MaybeStartCoordinator();
    }

    private void StepDownAsMaster(string reason)
    {
        StopCoordinator($"mastership of term {_term} lost: {reason}");
        _coordinatorRestartAt = -1;
        ClearPending();
    }

    private void TickMaster()
    {
        var leaseStart = LeaseStartTick();
        if (_coordinatorRunning && _now - leaseStart >= _options.LeaseTicks)
        {
            StopCoordinator($"lease lapsed: no majority acknowledged a heartbeat in the last {_options.LeaseTicks} ticks");
        }

        if (_now - Math.Max(leaseStart, _becameMasterAt) >= _options.ElectionTimeoutTicks)
        {
            BecomeFollower(_term, null, $"check-quorum: no majority answered within {_options.ElectionTimeoutTicks} ticks");
            return;
        }

        if (_now - _lastHeartbeatAt >= _options.HeartbeatIntervalTicks)
        {
            BroadcastAppend();
            NotifyDeparted();
        }

        MaybeStartCoordinator();
        MaybeAdvanceMembership();
    }

    /// <summary>
    /// The tick of the newest heartbeat a majority of the voters of the configuration in force (this node included
    /// when it votes) has acknowledged.
    /// </summary>
    private long LeaseStartTick() => LeaseStartTickUnder(Config);

    /// <summary>The lease start the master would have if <paramref name="config"/> were in force (its members are known here or new).</summary>
    private long LeaseStartTickUnder(StationConfig config)
    {
        var n = 0;
        foreach (var voter in config.Voters.Members)
        {
            var i = Config.IndexOf(voter);
            _scratch[n++] = voter.Equals(Id) ? _now : i >= 0 && i < _ackTick.Length ? _ackTick[i] : NeverTick;
        }

        return Quorum.MajorityValue(_scratch.AsSpan(0, n));
    }

    /// <summary>
    /// The tick (of this node's clock) at which the master's lease ends, or 0 when not master. A coordinator has
    /// authority only before it; a host that stalls must catch up on ticks before acting again.
    /// </summary>
    public long LeaseEndTick => _state == SupervisorState.Master ? LeaseStartTick() + _options.LeaseTicks : 0;

    private bool LeaseHolds => _state == SupervisorState.Master && _now - LeaseStartTick() < _options.LeaseTicks;

    private void BroadcastAppend()
    {
        var peers = Members;
        for (var i = 0; i < peers.Count; i++)
        {
            if (!peers[i].Equals(Id))
            {
                SendAppend(i);
            }
        }

        _lastHeartbeatAt = _now;
    }

    private void SendAppend(int peer)
    {
        var previousIndex = _nextIndex[peer] - 1;
        if (previousIndex < _snapshotIndex)
        {
            // The entries this peer needs next are compacted: it gets the snapshot instead.
            SendSnapshotChunk(peer);
            return;
        }

        if (_installIndex[peer] != 0)
        {
            EndInstall(peer);
        }

        var count = (int)Math.Min(LastLogIndex - previousIndex, _options.EntriesPerAppendMax);
        IReadOnlyList<LogEntry> entries = count <= 0 ? s_noEntries : _log.GetRange((int)(previousIndex - _logStart), count).ToArray();
        Send(new AppendEntries(Id, Members[peer], ClusterId, _term, previousIndex, TermAt(previousIndex), entries, _commitIndex, _now, CoordinatorEpoch));
        // Optimistic: assume delivery. A loss shows up as a rejection that resets _nextIndex.
        _nextIndex[peer] = previousIndex + Math.Max(count, 0) + 1;
    }

    /// <summary>
    /// After a success, sends a follower that is still behind its next batches at once, rather than one batch per
    /// heartbeat, until <see cref="AppendWindowBatches"/> batches' worth of entries are in flight to it (counted from
    /// its match to the optimistic next index, so duplicated or reordered answers can never push more out). A long
    /// tail (a new master's uncommitted entries, a follower back from a partition) then catches up at the pace of
    /// round trips. A follower that needs the snapshot is left to the install, which has its own pace.
    /// </summary>
    private void FillAppendWindow(int peer)
    {
        var window = (long)_options.EntriesPerAppendMax * AppendWindowBatches;
        while (_nextIndex[peer] <= LastLogIndex && _nextIndex[peer] - 1 >= _snapshotIndex && _nextIndex[peer] - 1 - _matchIndex[peer] < window)
        {
            SendAppend(peer); // Moves the next index on by at least one entry.
        }
    }

    private void MaybeCommit()
    {
        if (_state != SupervisorState.Master)
        {
            return;
        }

        // Counted over the voters of the configuration in force (this node included when it votes).
        var members = Members;
        var n = 0;
        for (var i = 0; i < members.Count; i++)
        {
            if (Config.IsVoter(members[i]))
            {
                _scratch[n++] = members[i].Equals(Id) ? LastLogIndex : _matchIndex[i];
            }
        }

        var majorityIndex = Quorum.MajorityValue(_scratch.AsSpan(0, n));
        // Raft commits only entries of its own term by counting; earlier ones commit with them (§5.4.2).
        if (majorityIndex > _commitIndex && TermAt(majorityIndex) == _term)
        {
            AdvanceCommit(majorityIndex);
        }
    }

    private void AdvanceCommit(long index)
    {
        var from = _commitIndex;
        _commitIndex = index;
        MarkHardStateDirty();
        Emit(new EntriesCommitted(from, index));
        ApplyCommitted();
    }

    private StepResult StepAppendEntries(AppendEntries append)
    {
        if (_state == SupervisorState.Master)
        {
            // Raft's vote rules make this impossible between correct peers; the simulator's election-safety checker
            // would report it there. From the network it is a forged or corrupted message, not a reason to stop.
            return StepResult.Dropped($"AppendEntries of term {_term} from {append.From}, but this node is the master of term {_term}", DropCategory.Malformed);
        }

        if (!EntriesAreWellFormed(append))
        {
            return StepResult.Dropped($"malformed AppendEntries from {append.From}", DropCategory.Malformed);
        }

        FollowMaster(append.From, append.CoordinatorEpoch);

        if (append.PrevLogIndex > LastLogIndex)
        {
            Reply(append, false, 0, LastLogIndex);
            return StepResult.Handled;
        }

        if (append.PrevLogIndex >= _commitIndex && TermAt(append.PrevLogIndex) != append.PrevLogTerm)
        {
            Reply(append, false, 0, ConflictHint(append.PrevLogIndex));
            return StepResult.Handled;
        }

        foreach (var entry in append.Entries)
        {
            if (entry.Index <= _commitIndex)
            {
                continue; // Committed entries match by the Log Matching property; nothing to do.
            }

            if (entry.Index <= LastLogIndex)
            {
                if (TermAt(entry.Index) == entry.Term)
                {
                    continue;
                }

                TruncateLogFrom(entry.Index);
            }

            AppendToLog(entry);
        }

        var lastNew = append.PrevLogIndex + append.Entries.Count;
        var commit = Math.Min(append.LeaderCommit, lastNew);
        _caughtUpWithMaster = append.LeaderCommit <= lastNew;
        if (commit > _commitIndex)
        {
            AdvanceCommit(commit);
        }
        else
        {
            CheckMembership();
        }

        Reply(append, true, lastNew, 0);
        return StepResult.Handled;
    }

    /// <summary>A follower heard from the master of its term (AppendEntries or InstallSnapshot).</summary>
    private void FollowMaster(NodeId master, long coordinatorEpoch)
    {
        if (_state != SupervisorState.Follower || !master.Equals(_leader))
        {
            BecomeFollower(_term, master, $"master {master} of term {_term}");
        }

        _leaderContactAt = _now;
        _electionElapsedTicks = 0;
        _leaderCoordinatorEpoch = coordinatorEpoch;
    }

    private void Reply(AppendEntries append, bool success, long matchIndex, long rejectHint) =>
        Send(new AppendEntriesResponse(Id, append.From, ClusterId, _term, success, matchIndex, rejectHint, append.LeaderTick));

    /// <summary>An index below the conflicting term's first entry (never below the commit index) to retry from.</summary>
    private long ConflictHint(long index)
    {
        var conflictTerm = TermAt(index);
        var hint = index - 1;
        while (hint > _commitIndex && TermAt(hint) == conflictTerm)
        {
            hint--;
        }

        return hint;
    }

    private static bool EntriesAreWellFormed(AppendEntries append)
    {
        if (append.PrevLogIndex < 0 || append.PrevLogTerm < 0 || append.LeaderCommit < 0 || append.Entries.Count > Limits.AppendEntriesEntriesMax)
        {
            return false;
        }

        var previousTerm = append.PrevLogTerm;
        for (var i = 0; i < append.Entries.Count; i++)
        {
            var entry = append.Entries[i];
            if (entry is null || entry.Command is null || entry.Index != append.PrevLogIndex + i + 1 || entry.Term < previousTerm || entry.Term > append.Term)
            {
                return false;
            }

            previousTerm = entry.Term;
        }

        return true;
    }

    private StepResult StepAppendEntriesResponse(AppendEntriesResponse response)
    {
        if (_state != SupervisorState.Master)
        {
            return StepResult.Dropped($"AppendEntries response from {response.From}, but this node is not the master", DropCategory.Outdated);
        }

        if (response.LeaderTick > _now || response.MatchIndex > LastLogIndex || response.MatchIndex < 0 || response.RejectHint < 0)
        {
            return StepResult.Dropped($"AppendEntries response from {response.From} with impossible fields", DropCategory.Malformed);
        }

        var peer = Config.IndexOf(response.From);
        if (peer < 0)
        {
            return StepResult.Dropped($"AppendEntries response from {response.From}, which is not a member of the configuration in force", DropCategory.NotAMember);
        }

        _ackTick[peer] = Math.Max(_ackTick[peer], response.LeaderTick);
        if (response.Success)
        {
            _matchIndex[peer] = Math.Max(_matchIndex[peer], response.MatchIndex);
            _nextIndex[peer] = Math.Max(_nextIndex[peer], _matchIndex[peer] + 1);
            MaybeCommit();
            if (_state == SupervisorState.Master)
            {
                FillAppendWindow(peer);
                MaybeAdvanceMembership();
            }
        }
        else
        {
            if (response.RejectHint < _matchIndex[peer])
            {
                // The peer holds less than it once acknowledged: its data dir was wiped (or this rejection is late).
                // Counting less for it only delays commits; the next success raises the match again.
                _matchIndex[peer] = response.RejectHint;
            }

            _nextIndex[peer] = Math.Max(Math.Min(response.RejectHint, LastLogIndex) + 1, _matchIndex[peer] + 1);
            SendAppend(peer);
        }

        MaybeStartCoordinator();
        return StepResult.Handled;
    }
}
