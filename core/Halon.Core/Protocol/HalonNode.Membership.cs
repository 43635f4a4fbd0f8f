using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Persistence;

namespace Halon.Core.Protocol;

/// <summary>
/// Station peer: the configuration (voters and learners) and its changes. A configuration lives in the log and takes
/// effect on a node when the node holds its entry; the master changes it one voter at a time, only once the previous
/// change is committed and an entry of its own term is committed (the fix to single-server changes' leader-change
/// bug), so every two configurations a decision can meet share a node in every pair of majorities. New peers join as
/// learners and vote only once the master has promoted them, caught up. docs/protocol.md, "Changing the peers".
/// </summary>
public sealed partial class HalonNode
{
    // The configuration in force: the newest one the log holds (committed or not), else the snapshot's, else the peer
    // set the station was bootstrapped with (index 0). Null on a node that is not a station peer.
    private StationConfig? _config;
    private long _configIndex;

    // The configuration as of _appliedIndex: what a snapshot records, and what decides whether this peer was removed.
    private StationConfig? _appliedConfig;
    private long _appliedConfigIndex;

    // Master only: peers that a configuration committed in this term left out, and the index of that configuration;
    // told so in every heartbeat for E ticks after the commit, since no member sends them entries any more.
    private readonly List<(NodeId Node, long Index, long Until)> _departed = new();

    // A joining peer saw itself (as a learner) in a committed configuration: from then on, one that leaves it out
    // removes it. Volatile: after a restart it waits to see itself again.
    private bool _seenInConfig;

    // Follower: the last AppendEntries from the master brought every entry the master had committed when it sent it.
    // Only then does a committed configuration say where this peer stands now: one applied while catching up may be
    // history (removed, then added again later in the log it has not received yet).
    private bool _caughtUpWithMaster;

    /// <summary>The configuration in force on this node, or null when it is not a station peer.</summary>
    public StationConfig? Configuration => _config;

    /// <summary>The index of the entry that set <see cref="Configuration"/> (0: the bootstrap peer set).</summary>
    public long ConfigurationIndex => _configIndex;

    /// <summary>Whether the configuration in force is not committed yet.</summary>
    public bool ConfigurationChangeInFlight => _config is not null && _configIndex > _commitIndex;

    /// <summary>Whether this station peer left the station (a committed configuration leaves it out).</summary>
    public bool LeftTheStation => _roleConfig.Role == NodeRole.Station && _roleConfig.Removed;

    private StationConfig Config => _config ?? throw new HalonInvariantException($"{Id} has no configuration");

    /// <summary>The voters of the configuration in force.</summary>
    private PeerSet Peers => Config.Voters;

    /// <summary>Voters and learners: the nodes the per-peer arrays are indexed by.</summary>
    private IReadOnlyList<NodeId> Members => Config.Members;

    private StationConfig BootstrapConfig() =>
        StationConfig.Of(_roleConfig.Peers ?? throw new HalonInvariantException($"{Id} has no bootstrap peer set"));

    /// <summary>
    /// Tells this node, a <c>halond</c> with no role (or a peer that left this station), that it is being added to the
    /// running station <paramref name="clusterId"/>, with <paramref name="timing"/>, whose peers include
    /// <paramref name="contacts"/>. It becomes a station peer that neither votes nor campaigns: it learns its
    /// configuration from the master's log once the master adds it (<see cref="AddPeer"/>), and votes once promoted.
    /// Repeating it is a no-op; a node of another station, or a satellite, refuses.
    /// </summary>
    public CommandResult JoinStation(string clusterId, StationTiming timing, PeerSet contacts)
    {
        ArgumentException.ThrowIfNullOrEmpty(clusterId);
        ArgumentNullException.ThrowIfNull(timing);
        ArgumentNullException.ThrowIfNull(contacts);
        CommandResult result;
        if (TimingProblem(timing) is { } problem)
        {
            result = CommandResult.Refused($"timing {timing} is refused: {problem}");
        }
        else if (_roleConfig.Role == NodeRole.Satellite)
        {
            result = CommandResult.Refused($"{Id} is a satellite of station {_roleConfig.Station!.ClusterId}; refusing to join station {clusterId}");
        }
        else if (_roleConfig.Role == NodeRole.Station && ClusterId != clusterId)
        {
            result = CommandResult.Refused($"{Id} is a peer of station {ClusterId} ({Config}); refusing to join station {clusterId}");
        }
        else if (_roleConfig.Role == NodeRole.Station && !Timing.SameValues(timing))
        {
            result = CommandResult.Refused($"{Id} is a peer of station {ClusterId} with timing {Timing}; refusing timing {timing}");
        }
        else if (_roleConfig.Role == NodeRole.Station && !_roleConfig.Removed)
        {
            result = CommandResult.AlreadyDone($"{Id} is already a peer of station {ClusterId} ({Config})");
        }
        else
        {
            var rejoining = _roleConfig.Role == NodeRole.Station;
            _seenInConfig = false;
            _roleConfig = new RoleConfig(NodeRole.Station, contacts, null, 0) { Timing = timing, ClusterId = clusterId, Joining = true };
            _options = _hostOptions.WithTiming(timing);
            _clusterId = clusterId;
            _roleDirty = true;
            if (!rejoining)
            {
                _appliedConfig = BootstrapConfig();
                _appliedConfigIndex = 0;
                _config = null;
            }

            RefreshConfig("joining");
            _state = SupervisorState.None;
            StartSupervisor($"joining station {clusterId} (contacts {contacts}), timing {timing}; waiting for the master to add it");
            result = CommandResult.Done($"{Id} is joining station {clusterId}; add it with 'halonctl station add {Id}'");
        }

        CheckInvariants();
        return result;
    }

    /// <summary>
    /// Operator command: change the station's peers. Only the running coordinator decides. It appends the change's
    /// first configuration and drives the rest by itself (a learner is promoted once caught up, a replaced voter
    /// retires once its successor votes); a new master carries on where the old one stopped, since the plan is in the
    /// configuration. Repeating a change under way answers <see cref="MembershipOutcome.Pending"/>; a change already
    /// made answers <see cref="MembershipOutcome.AlreadyDone"/>. Refused: another change under way, a change that
    /// would leave no majority of live voters, a station of 2 voters losing one, and the limits.
    /// </summary>
    public MembershipResult ChangeStation(MembershipChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var result = DecideChange(change);
        CheckInvariants();
        return result;
    }

    private MembershipResult DecideChange(MembershipChange change)
    {
        if (_roleConfig.Role != NodeRole.Station || _roleConfig.Removed)
        {
            return new MembershipResult(MembershipOutcome.NotStation, $"{Id} is not a peer of a station; ask a peer of the station");
        }

        if (!_coordinatorRunning)
        {
            var (master, where) = WhereTheCoordinatorIs();
            return new MembershipResult(MembershipOutcome.NotCoordinator, where, master, 0, Config);
        }

        var config = Config;
        var busy = ConfigurationChangeInFlight || config.HasWorkLeft;
        var underWay = ConfigurationChangeInFlight
            ? $"the configuration at index {_configIndex} ({config}) is not committed yet"
            : $"a change is under way ({Progress(config)})";
        switch (change)
        {
            case AddPeer add:
                if (config.IsVoter(add.Node) && !busy)
                {
                    return Result(MembershipOutcome.AlreadyDone, $"{add.Node} is a voter already");
                }

                if (config.IsLearner(add.Node) && config.Retiring.Count == 0)
                {
                    return Result(MembershipOutcome.Pending, $"{add.Node} is a learner: {Progress(config)}");
                }

                if (busy)
                {
                    return Result(MembershipOutcome.Refused, $"refusing to {change.Describe()}: {underWay}; one change at a time");
                }

                if (config.Voters.Count >= Limits.PeersMax)
                {
                    return Result(MembershipOutcome.Refused, $"refusing to {change.Describe()}: the station has {config.Voters.Count} voters, the most allowed ({Limits.PeersMax})");
                }

                return AppendChange(config.WithLearner(add.Node), $"{add.Node} joins as a learner; it becomes a voter once caught up");

            case RemovePeer remove:
                if (!config.Contains(remove.Node))
                {
                    return busy && config.IsRetiring(remove.Node)
                        ? Result(MembershipOutcome.Pending, Progress(config))
                        : Result(MembershipOutcome.AlreadyDone, $"{remove.Node} is not a peer of the station");
                }

                if (config.IsRetiring(remove.Node))
                {
                    return Result(MembershipOutcome.Pending, $"{remove.Node} retires once its replacement votes: {Progress(config)}");
                }

                if (busy && !(config.IsLearner(remove.Node) && config.Retiring.Count == 0 && !ConfigurationChangeInFlight))
                {
                    return Result(MembershipOutcome.Refused, $"refusing to {change.Describe()}: {underWay}; one change at a time");
                }

                if (config.IsVoter(remove.Node) && config.Voters.Count <= 2)
                {
                    return Result(MembershipOutcome.Refused, $"refusing to {change.Describe()}: the station has {config.Voters.Count} voter(s), and a station must keep at least 2 when it shrinks (one would have no one to fail over to); add or replace a peer instead");
                }

                var without = config.Without(remove.Node);
                if (QuorumProblem(without) is { } problem)
                {
                    return Result(MembershipOutcome.Refused, $"refusing to {change.Describe()}: {problem}");
                }

                return AppendChange(without, config.IsLearner(remove.Node) ? $"learner {remove.Node} is removed" : $"{remove.Node} is removed");

            case ReplacePeer replace:
                if (replace.Old.Equals(replace.New))
                {
                    return Result(MembershipOutcome.Refused, $"refusing to {change.Describe()}: a peer cannot replace itself; give the new peer a new address (or remove, then add)");
                }

                if (!config.Contains(replace.Old) && config.IsVoter(replace.New) && !busy)
                {
                    return Result(MembershipOutcome.AlreadyDone, $"{replace.New} has replaced {replace.Old}");
                }

                if (config.IsRetiring(replace.Old) && config.Contains(replace.New))
                {
                    return Result(MembershipOutcome.Pending, Progress(config));
                }

                if (busy)
                {
                    return Result(MembershipOutcome.Refused, $"refusing to {change.Describe()}: {underWay}; one change at a time");
                }

                if (!config.IsVoter(replace.Old))
                {
                    return Result(MembershipOutcome.Refused, $"refusing to {change.Describe()}: {replace.Old} is not a voter of the station ({config})");
                }

                if (config.Contains(replace.New))
                {
                    return Result(MembershipOutcome.Refused, $"refusing to {change.Describe()}: {replace.New} is a peer of the station already");
                }

                if (config.Voters.Count >= Limits.PeersMax)
                {
                    return Result(MembershipOutcome.Refused, $"refusing to {change.Describe()}: a replacement adds its new peer before it removes the old one, and the station has {config.Voters.Count} voters, the most allowed ({Limits.PeersMax}); remove {replace.Old} first, then add {replace.New}");
                }

                return AppendChange(config.WithReplacement(replace.Old, replace.New), $"{replace.New} joins as a learner; once caught up it becomes a voter and {replace.Old} is removed");

            default:
                return Result(MembershipOutcome.Refused, $"unknown change {change.GetType().Name}");
        }
    }

    private MembershipResult Result(MembershipOutcome outcome, string message) =>
        new(outcome, message, null, outcome == MembershipOutcome.Pending ? _configIndex : 0, Config);

    private MembershipResult AppendChange(StationConfig next, string what)
    {
        var index = AppendConfiguration(next);
        return new MembershipResult(MembershipOutcome.Appended, $"{what}; configuration {next} appended at index {index}", null, index, next);
    }

    /// <summary>The single place a configuration entry is made: one voter at most differs from the committed one.</summary>
    private long AppendConfiguration(StationConfig next)
    {
        if (_state != SupervisorState.Master || ConfigurationChangeInFlight || _commitIndex < _termStartIndex || next.VoterDistance(Config) > 1)
        {
            throw new HalonInvariantException($"{Id}: configuration {next} appended in state {_state}, in flight {ConfigurationChangeInFlight}, term start {_termStartIndex} (commit {_commitIndex}), from {Config}");
        }

        var index = LastLogIndex + 1;
        AppendToLog(new LogEntry(index, _term, new StationConfigCommand(next)));
        BroadcastAppend();
        MaybeCommit();
        return index;
    }

    /// <summary>
    /// Why the master could not take <paramref name="next"/> now: fewer of its voters answer than its majority (the
    /// entry could not commit), or they answered too long ago for the master's lease to hold under it (the
    /// coordinator would have to stop the moment the entry is appended, since a configuration takes effect then).
    /// </summary>
    private string? QuorumProblem(StationConfig next)
    {
        var live = 0;
        foreach (var voter in next.Voters.Members)
        {
            live += VoterAnswers(voter) ? 1 : 0;
        }

        if (live < next.Majority)
        {
            return $"only {live} of the {next.Voters.Count} voters it would leave ({next.Voters}) answer the master, and a majority ({next.Majority}) must, or the station would have no quorum";
        }

        return _now - LeaseStartTickUnder(next) >= _options.LeaseTicks
            ? $"a majority of the voters it would leave ({next.Voters}) has not answered the master's last {_options.LeaseTicks} ticks of heartbeats, so its lease would not hold; retry shortly"
            : null;
    }

    /// <summary>Master: whether <paramref name="voter"/> is this node or acknowledged a heartbeat within E ticks.</summary>
    private bool VoterAnswers(NodeId voter)
    {
        if (voter.Equals(Id))
        {
            return true;
        }

        var i = Config.IndexOf(voter);
        return i >= 0 && _ackTick.Length == Members.Count && _now - _ackTick[i] < _options.ElectionTimeoutTicks;
    }

    /// <summary>The change under way, in words, with each learner's catch-up.</summary>
    private string Progress(StationConfig config)
    {
        var parts = new List<string>();
        foreach (var learner in config.Learners)
        {
            var i = config.IndexOf(learner);
            var match = _state == SupervisorState.Master && _matchIndex.Length == config.Members.Count ? _matchIndex[i] : 0;
            parts.Add($"learner {learner} has {match} of {_commitIndex} committed entries");
        }

        foreach (var retiring in config.Retiring)
        {
            parts.Add($"{retiring} retires once no learner is left");
        }

        if (ConfigurationChangeInFlight)
        {
            parts.Add($"configuration at index {_configIndex} waits for commit");
        }

        return parts.Count == 0 ? "no change under way" : string.Join("; ", parts);
    }

    /// <summary>
    /// Master: the next step of a change under way, once the previous one is committed and the coordinator runs (so
    /// an entry of this term is committed): promote a learner that is caught up and answers, or, with no
    /// learner left, remove a retiring voter if a majority of what remains answers.
    /// </summary>
    private void MaybeAdvanceMembership()
    {
        if (_state != SupervisorState.Master || !_coordinatorRunning || ConfigurationChangeInFlight || !Config.HasWorkLeft)
        {
            return;
        }

        var config = Config;
        foreach (var learner in config.Learners)
        {
            var i = config.IndexOf(learner);
            // The learner must also hold the entry that made it one (_configIndex: no change is under way, so that is
            // the configuration in force): a joining peer votes only once its log lists it (StepVoteRequest), and the
            // promoted learner's vote is what a candidate holding the promotion needs if the master fails before
            // the promotion reaches the learner.
            if (CaughtUp(_matchIndex[i]) && _matchIndex[i] >= _configIndex && config.Voters.Count < Limits.PeersMax && QuorumProblem(config.Promote(learner)) is null)
            {
                AppendConfiguration(config.Promote(learner));
                return;
            }
        }

        if (config.Learners.Count == 0 && config.Retiring.Count > 0)
        {
            var next = config.Without(config.Retiring[0]);
            if (QuorumProblem(next) is null)
            {
                AppendConfiguration(next);
            }
        }
    }

    /// <summary>
    /// Whether a learner that holds entries up to <paramref name="match"/> is caught up: it has the snapshot and is
    /// at most one batch behind the commit index (under a steady stream of acknowledgements, the commit index moves
    /// on while the learner's answer is in flight, so "every committed entry" could keep it waiting for ever).
    /// </summary>
    private bool CaughtUp(long match) => match > 0 && match >= Math.Max(_snapshotIndex, _commitIndex - _options.EntriesPerAppendMax);

    /// <summary>Makes the newest configuration the log (or snapshot, or bootstrap set) holds the one in force.</summary>
    private void RefreshConfig(string reason)
    {
        var (config, index) = LatestConfig();
        if (_config is null || index != _configIndex || !config.Equals(_config))
        {
            SetConfig(config, index, reason);
        }
    }

    private (StationConfig Config, long Index) LatestConfig()
    {
        for (var i = _log.Count - 1; i >= 0; i--)
        {
            if (_log[i].Command is StationConfigCommand command)
            {
                return (command.Config, _log[i].Index);
            }
        }

        return _snapshot is not null ? (_snapshot.Config, _snapshotIndex) : (BootstrapConfig(), 0);
    }

    private void SetConfig(StationConfig config, long index, string reason)
    {
        var old = _config;
        _config = config;
        _configIndex = index;
        if (old is null || _state == SupervisorState.None)
        {
            return;
        }

        RemapPeerArrays(old.Members, config.Members);
        if (!old.Equals(config))
        {
            Emit(new ConfigurationChanged(config, index, index <= _commitIndex, reason));
        }

        if (_coordinatorRunning && !LeaseHolds)
        {
            // The master's own change is refused when its lease would not hold under it (QuorumProblem), so this is a
            // safety net: the lease is counted over the voters in force, and a coordinator never runs without it.
            StopCoordinator($"the configuration at index {index} ({config}) gives no lease yet");
        }
    }

    /// <summary>The per-peer arrays follow the members: a node in both keeps its values, a new one starts afresh.</summary>
    private void RemapPeerArrays(IReadOnlyList<NodeId> from, IReadOnlyList<NodeId> to)
    {
        _peerHeardAt = Remap(_peerHeardAt, from, to, long.MinValue);
        _peerProblem = Remap(_peerProblem, from, to, PeerProblem.NoReply);
        _peerProblemDetail = Remap(_peerProblemDetail, from, to, string.Empty);
        _peerReportedState = Remap(_peerReportedState, from, to, SupervisorState.None);
        var self = Config.IndexOf(Id);
        if (self >= 0)
        {
            _peerHeardAt[self] = long.MaxValue;
            _peerProblem[self] = PeerProblem.None;
        }

        _votes = Remap(_votes, from, to, (sbyte)0);
        _nextIndex = Remap(_nextIndex, from, to, LastLogIndex + 1);
        _matchIndex = Remap(_matchIndex, from, to, 0L);
        _ackTick = Remap(_ackTick, from, to, NeverTick);
        _installIndex = Remap(_installIndex, from, to, 0L);
        _installTerm = Remap(_installTerm, from, to, 0L);
        _installData = Remap(_installData, from, to, null);
        _installOffset = Remap(_installOffset, from, to, 0L);
        _installSentAt = Remap(_installSentAt, from, to, NeverTick);
    }

    private static T[] Remap<T>(T[] values, IReadOnlyList<NodeId> from, IReadOnlyList<NodeId> to, T fill)
    {
        if (values.Length != from.Count)
        {
            return values.Length == 0 ? values : new T[to.Count].Fill(fill);
        }

        var result = new T[to.Count];
        for (var i = 0; i < to.Count; i++)
        {
            var j = IndexIn(from, to[i]);
            result[i] = j >= 0 ? values[j] : fill;
        }

        return result;
    }

    private static int IndexIn(IReadOnlyList<NodeId> nodes, NodeId node)
    {
        for (var i = 0; i < nodes.Count; i++)
        {
            if (nodes[i].Equals(node))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Applying a committed configuration entry.</summary>
    private void ApplyConfiguration(StationConfigCommand command)
    {
        var previous = _appliedConfig;
        _appliedConfig = command.Config;
        _appliedConfigIndex = _appliedIndex;
        if (_state == SupervisorState.None)
        {
            return; // A restarted node re-applying its log: history, logged when it happened.
        }

        if (_appliedIndex == _configIndex)
        {
            Emit(new ConfigurationChanged(command.Config, _appliedIndex, true, "committed"));
        }

        if (_state == SupervisorState.Master && previous is not null)
        {
            foreach (var node in previous.Members)
            {
                if (!command.Config.Contains(node) && !node.Equals(Id) && _departed.Count < Limits.PeersMax + Limits.LearnersMax)
                {
                    _departed.Add((node, _appliedIndex, _now + _options.ElectionTimeoutTicks));
                }
            }
        }
    }

    /// <summary>
    /// After applying: a joining peer that sees itself in a committed configuration is a member now; a member that
    /// a committed configuration leaves out leaves the station (a master steps down first).
    /// </summary>
    private void CheckMembership()
    {
        if (_roleConfig.Role != NodeRole.Station || _roleConfig.Removed || _state == SupervisorState.None || _appliedConfig is null)
        {
            return;
        }

        if (_state != SupervisorState.Master && !_caughtUpWithMaster)
        {
            return; // Catching up: what it applies may be history.
        }

        if (_appliedConfig.Contains(Id))
        {
            _seenInConfig = true;
            if (_roleConfig.Joining && _appliedConfig.IsVoter(Id))
            {
                // A voter now: its peer set on record becomes the voters it joined, so that it no longer depends on
                // the contacts it was given.
                _roleConfig = _roleConfig with { Joining = false, Peers = _appliedConfig.Voters };
                _roleDirty = true;
            }

            return;
        }

        if (_roleConfig.Joining && !_seenInConfig)
        {
            return; // Still catching up on history from before it was added.
        }

        var reason = $"the configuration committed at index {_appliedConfigIndex} ({_appliedConfig}) leaves {Id} out";
        if (_state == SupervisorState.Master)
        {
            StepDownAsMaster(reason);
        }

        _roleConfig = _roleConfig with { Removed = true };
        _roleDirty = true;
        _leader = null;
        _incoming = null;
        ChangeState(SupervisorState.None, reason + "; its supervisor stops");
        Emit(new LeftStation(_appliedConfig, _appliedConfigIndex));
    }

    /// <summary>Master: tells the peers a committed configuration left out, for E ticks after the commit.</summary>
    private void NotifyDeparted()
    {
        _departed.RemoveAll(d => d.Until < _now);
        foreach (var (node, index, _) in _departed)
        {
            if (EntryAt(index) is { } entry && TermAt(index - 1) >= 0)
            {
                Send(new Messages.AppendEntries(Id, node, ClusterId, _term, index - 1, TermAt(index - 1), [entry], index, _now, CoordinatorEpoch));
            }
        }
    }
}

internal static class ArrayFillExtensions
{
    public static T[] Fill<T>(this T[] array, T value)
    {
        Array.Fill(array, value);
        return array;
    }
}
