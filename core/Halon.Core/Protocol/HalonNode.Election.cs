using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Messages;

namespace Halon.Core.Protocol;

/// <summary>Station peer: pre-vote, Raft election and the rules that keep a live master's lease safe.</summary>
public sealed partial class HalonNode
{
    private long _electionElapsedTicks;
    private long _electionTimeoutTicksRandomized;

    /// <summary>
    /// Tick of the last AppendEntries accepted from a master of the current term. A node restarted as a station peer
    /// starts with 0, so it withholds its vote for E ticks too: it may have acknowledged a master's heartbeat just
    /// before it crashed, and forgetting that would break the lease argument. A node that was never a station peer
    /// has acknowledged nobody, so it starts with "never".
    /// </summary>
    private long _leaderContactAt = long.MinValue / 4;

    // Distinct voters of the current (pre-)election, indexed like PeerSet.Members: +1 granted, -1 refused, 0 unknown.
    private sbyte[] _votes = Array.Empty<sbyte>();

    private void TickElection()
    {
        _electionElapsedTicks++;
        if (!Config.IsVoter(Id))
        {
            return; // A learner (or a peer being removed) never campaigns.
        }

        // A campaign is a vote for oneself, so it obeys the withholding rule like any other vote: a node that heard
        // from a live master (or restarted) less than E ticks ago waits, whatever its timer says. Without this, a
        // peer that acknowledged a heartbeat, crashed and restarted could elect itself inside the old master's lease
        // through the short first-campaign timer.
        if (_electionElapsedTicks >= _electionTimeoutTicksRandomized && !WithholdsVotes() && !_catchingUp)
        {
            BecomePreCandidate();
        }
    }

    /// <summary>
    /// Asks this station peer to campaign now instead of when its election timer fires (etcd's <c>campaign</c>): it
    /// becomes a pre-candidate for the next term. The withholding rule still applies, so a peer that heard from a live
    /// master (or restarted) less than E ticks ago refuses, as does the master and a peer still waiting for quorum.
    /// </summary>
    public CommandResult Campaign()
    {
        CommandResult result;
        if (_roleConfig.Role != NodeRole.Station)
        {
            result = CommandResult.Refused($"{Id} is not a station peer");
        }
        else if (_state == SupervisorState.Master)
        {
            result = CommandResult.AlreadyDone($"{Id} is the master of term {_term}");
        }
        else if (_roleConfig.Removed || _state == SupervisorState.None)
        {
            result = CommandResult.Refused($"{Id} left the station");
        }
        else if (_state == SupervisorState.WaitingForQuorum)
        {
            result = CommandResult.Refused($"{Id} is still waiting for quorum");
        }
        else if (!Config.IsVoter(Id))
        {
            result = CommandResult.Refused($"{Id} is not a voter of the station's configuration ({Config})");
        }
        else if (WithholdsVotes())
        {
            result = CommandResult.Refused($"{Id} heard from a live master (or restarted) {_now - _leaderContactAt} ticks ago, less than E = {_options.ElectionTimeoutTicks}: a campaign now could cut into that master's lease");
        }
        else
        {
            BecomePreCandidate();
            result = CommandResult.Done($"{Id} campaigns for term {_term + 1}");
        }

        CheckInvariants();
        return result;
    }

    private void ResetElectionTimer()
    {
        _electionElapsedTicks = 0;
        var e = _options.ElectionTimeoutTicks;
        _electionTimeoutTicksRandomized = e + _random.Next(e);
    }

    /// <summary>
    /// Whether this node must refuse to help elect anyone, itself included: it is the master, or it accepted an
    /// AppendEntries from a master less than E ticks ago (or restarted as a station peer less than E ticks ago). The
    /// rule holds whatever the term of the request: adopting a higher term from some other message does not end it.
    /// </summary>
    private bool WithholdsVotes() =>
        _state == SupervisorState.Master || _now - _leaderContactAt < _options.ElectionTimeoutTicks;

    private void BecomeFollower(long term, NodeId? leader, string reason)
    {
        if (_state is SupervisorState.None)
        {
            throw new HalonInvariantException($"{Id}: becoming a follower without a supervisor");
        }

        if (term < _term)
        {
            throw new HalonInvariantException($"{Id}: following term {term} below the current term {_term}");
        }

        if (_state == SupervisorState.Master)
        {
            StepDownAsMaster(reason);
        }

        if (term > _term)
        {
            _term = term;
            _votedFor = null;
            MarkHardStateDirty();
        }

        _leader = leader;
        ResetElectionTimer();
        ChangeState(SupervisorState.Follower, reason);
    }

    private void BecomePreCandidate()
    {
        if (_state is not (SupervisorState.Follower or SupervisorState.PreCandidate or SupervisorState.Candidate))
        {
            throw new HalonInvariantException($"{Id}: pre-candidate from {_state}");
        }

        var silentTicks = _electionElapsedTicks;
        _leader = null;
        ResetElectionTimer();
        ResetVotes();
        ChangeState(SupervisorState.PreCandidate, $"no master heard for {silentTicks} ticks; asking for pre-votes for term {_term + 1}");
        if (RecordVote(Id, granted: true) == VoteResult.Won)
        {
            BecomeCandidate();
            return;
        }

        BroadcastVoteRequest(_term + 1, preVote: true);
    }

    private void BecomeCandidate()
    {
        if (_state != SupervisorState.PreCandidate)
        {
            throw new HalonInvariantException($"{Id}: candidate from {_state}");
        }

        _term++;
        _votedFor = Id;
        MarkHardStateDirty();
        _leader = null;
        ResetElectionTimer();
        ResetVotes();
        ChangeState(SupervisorState.Candidate, $"won the pre-vote; campaigning in term {_term}");
        if (RecordVote(Id, granted: true) == VoteResult.Won)
        {
            BecomeMaster();
            return;
        }

        BroadcastVoteRequest(_term, preVote: false);
    }

    private void BroadcastVoteRequest(long term, bool preVote)
    {
        var peers = Peers.Members;
        for (var i = 0; i < peers.Count; i++)
        {
            if (!peers[i].Equals(Id))
            {
                Send(new VoteRequest(Id, peers[i], ClusterId, term, LastLogIndex, LastLogTerm, preVote));
            }
        }
    }

    private void ResetVotes()
    {
        if (_votes.Length != Members.Count)
        {
            _votes = new sbyte[Members.Count];
        }

        Array.Clear(_votes);
    }

    private VoteResult RecordVote(NodeId voter, bool granted)
    {
        // Only voters of this node's configuration count, each once.
        var index = Config.IndexOf(voter);
        if (index >= 0 && Config.IsVoter(voter) && _votes[index] == 0)
        {
            _votes[index] = granted ? (sbyte)1 : (sbyte)-1;
        }

        int yes = 0, no = 0;
        var members = Members;
        for (var i = 0; i < _votes.Length; i++)
        {
            if (Config.IsVoter(members[i]))
            {
                yes += _votes[i] > 0 ? 1 : 0;
                no += _votes[i] < 0 ? 1 : 0;
            }
        }

        return Quorum.Tally(Peers.Count, yes, no);
    }

    private bool LogIsUpToDate(long lastIndex, long lastTerm) =>
        lastTerm > LastLogTerm || (lastTerm == LastLogTerm && lastIndex >= LastLogIndex);

    private StepResult StepVoteRequest(VoteRequest request)
    {
        if (_roleConfig.Joining && !_seenInConfig && !Config.Contains(Id))
        {
            // A joining peer whose log holds no configuration with itself in it may be a wiped voter whose log and
            // votes are gone: its vote would promise nothing. It votes once the master's entries have added it.
            Send(new VoteResponse(Id, request.From, ClusterId, _term, false, request.PreVote));
            return StepResult.Dropped($"vote request from {request.From}, but {Id} is joining and has not caught up", DropCategory.VoteWithheld);
        }

        // A node votes by the same rules whether or not its own configuration counts it (Raft's rule, and etcd's for
        // learners): a learner the master promoted may not hold the promoting entry yet, while a candidate that holds
        // it needs the learner's vote. Only the candidate decides whose votes count: those of its own voters.
        if (request.PreVote)
        {
            // A pre-vote changes nobody's term. Grant it to a campaign in a later term with a log at least as long.
            // (A request for a later term never gets here while a live master's lease may hold: StepStationMessage
            // drops it first.)
            var grant = request.Term > _term && LogIsUpToDate(request.LastLogIndex, request.LastLogTerm);
            Send(new VoteResponse(Id, request.From, ClusterId, grant ? request.Term : _term, grant, PreVote: true));
            return StepResult.Handled;
        }

        // The term handling in StepStationMessage has brought us to request.Term already. Repeating a vote already
        // cast is not a new vote; a new one needs no vote yet in this term, no known master, and no live master's
        // lease that may hold (the node may have adopted this term from a message that said nothing of a master).
        var canVote = request.From.Equals(_votedFor) || (_votedFor is null && _leader is null && !WithholdsVotes());
        var granted = canVote && LogIsUpToDate(request.LastLogIndex, request.LastLogTerm);
        if (granted)
        {
            _votedFor = request.From;
            MarkHardStateDirty();
            ResetElectionTimer();
        }

        Send(new VoteResponse(Id, request.From, ClusterId, _term, granted, PreVote: false));
        return StepResult.Handled;
    }

    private StepResult StepVoteResponse(VoteResponse response)
    {
        if (response.PreVote)
        {
            if (_state != SupervisorState.PreCandidate)
            {
                return StepResult.Dropped("pre-vote response while not pre-candidate", DropCategory.Outdated);
            }

            if (response.Granted && response.Term != _term + 1)
            {
                return StepResult.Dropped($"pre-vote grant for term {response.Term}, not for {_term + 1}", DropCategory.Outdated);
            }

            var result = RecordVote(response.From, response.Granted);
            if (result == VoteResult.Won)
            {
                BecomeCandidate();
            }
            else if (result == VoteResult.Lost)
            {
                BecomeFollower(_term, null, "lost the pre-vote");
            }

            return StepResult.Handled;
        }

        if (_state != SupervisorState.Candidate || response.Term != _term)
        {
            return StepResult.Dropped("vote response while not a candidate of that term", DropCategory.Outdated);
        }

        var outcome = RecordVote(response.From, response.Granted);
        if (outcome == VoteResult.Won)
        {
            BecomeMaster();
        }
        else if (outcome == VoteResult.Lost)
        {
            BecomeFollower(_term, null, $"lost the election of term {_term}");
        }

        return StepResult.Handled;
    }

    /// <summary>
    /// Common checks of station messages, then Raft's term rules, then dispatch. Messages from other stations, from
    /// non-members or from stale terms are answered or dropped, never thrown on.
    /// </summary>
    private StepResult StepStationMessage(StationMessage message)
    {
        if (_roleConfig.Role != NodeRole.Station)
        {
            return StepResult.Dropped($"{message.GetType().Name} from {message.From}, but this node runs no supervisor", DropCategory.RoleMismatch);
        }

        if (_roleConfig.Removed)
        {
            return StepResult.Dropped($"{message.GetType().Name} from {message.From}, but {Id} left station {ClusterId}", DropCategory.NotAMember);
        }

        // A master's entries and snapshots, and vote requests, are taken from any peer of this station, member of
        // this node's configuration or not (Raft's rule): a node being added does not know its configuration before
        // they arrive, and a peer whose configuration lags may be needed to elect a master it does not know yet. Only
        // a candidate's own voters count for it, and the log comparison keeps a stale one from winning.
        var index = Config.IndexOf(message.From);
        var fromOutsideAllowed = message is AppendEntries or InstallSnapshot or VoteRequest;
        if ((index < 0 && !fromOutsideAllowed) || message.From.Equals(Id))
        {
            return StepResult.Dropped($"{message.GetType().Name} from {message.From}, which is not a peer of station {ClusterId}", DropCategory.NotAMember);
        }

        if (message.ClusterId != ClusterId)
        {
            if (index >= 0)
            {
                _peerProblem[index] = PeerProblem.DifferentCluster;
                _peerProblemDetail[index] = message.ClusterId;
            }

            return StepResult.Dropped($"{message.GetType().Name} from {message.From} of station {message.ClusterId}; this is station {ClusterId}", DropCategory.OtherStation);
        }

        if (index >= 0)
        {
            _peerHeardAt[index] = _now;
            _peerProblem[index] = PeerProblem.None;
        }

        if (message.Term > _term)
        {
            switch (message)
            {
                case VoteRequest when WithholdsVotes():
                    return StepResult.Dropped($"vote request for term {message.Term} from {message.From} while a master's lease may hold", DropCategory.VoteWithheld);
                case VoteRequest { PreVote: true }:
                case VoteResponse { PreVote: true, Granted: true }:
                    break;
                case AppendEntries:
                case InstallSnapshot:
                    BecomeFollower(message.Term, message.From, $"master {message.From} of term {message.Term}");
                    break;
                default:
                    BecomeFollower(message.Term, null, $"{message.GetType().Name} from {message.From} carries term {message.Term}");
                    break;
            }
        }
        else if (message.Term < _term)
        {
            switch (message)
            {
                case AppendEntries append:
                    // Tell a stale master about the newer term so it steps down.
                    Send(new AppendEntriesResponse(Id, append.From, ClusterId, _term, false, 0, 0, append.LeaderTick));
                    return StepResult.Dropped($"AppendEntries of stale term {message.Term} from {message.From}", DropCategory.StaleTerm);
                case InstallSnapshot install:
                    Send(new InstallSnapshotResponse(Id, install.From, ClusterId, _term, install.LastIncludedIndex, 0, false, install.LeaderTick));
                    return StepResult.Dropped($"InstallSnapshot of stale term {message.Term} from {message.From}", DropCategory.StaleTerm);
                case VoteRequest request:
                    Send(new VoteResponse(Id, request.From, ClusterId, _term, false, request.PreVote));
                    return StepResult.Dropped($"vote request of stale term {message.Term} from {message.From}", DropCategory.StaleTerm);
                default:
                    return StepResult.Dropped($"{message.GetType().Name} of stale term {message.Term} from {message.From}", DropCategory.StaleTerm);
            }
        }

        TryLeaveQuorumWait();
        return message switch
        {
            VoteRequest request => StepVoteRequest(request),
            VoteResponse response => StepVoteResponse(response),
            AppendEntries append => StepAppendEntries(append),
            AppendEntriesResponse response => StepAppendEntriesResponse(response),
            InstallSnapshot install => StepInstallSnapshot(install),
            InstallSnapshotResponse response => StepInstallSnapshotResponse(response),
            _ => StepResult.Dropped($"unknown station message {message.GetType().Name}", DropCategory.Malformed),
        };
    }
}
