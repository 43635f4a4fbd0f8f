using Halon.Core;
using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Persistence;
using Halon.Core.Protocol;
using Halon.Simulation.Checking;

namespace Halon.Simulation.Harness;

/// <summary>
/// Changes of the station's peers, as an operator makes them with <c>halonctl station add|remove|replace</c>: a spare
/// node is told to join the station first, then the change goes to the coordinator, following "not the coordinator"
/// hints and repeating a pending change until it is done, as <c>--wait</c> does. Two sources issue them: the
/// <c>membership</c> fault (random changes racing every other fault) and the <c>grow-shrink</c> scenario. Both draw
/// from their own random stream, and stop issuing new changes at the heal (those under way carry on). Every change of a
/// node's log or configuration is shown to the membership checkers (<see cref="InvariantMonitor"/>).
/// </summary>
public sealed partial class Simulation
{
    /// <summary>Ticks an operator keeps at one change before giving it up.</summary>
    private const int PeerChangeTicksMax = 600;

    /// <summary>Most changes the random operator has under way at once (a second one is usually refused: that is tested too).</summary>
    private const int PeerChangesOutstandingMax = 2;

    private static readonly IReadOnlyList<(NodeId Node, StationConfig Config)> s_noCoordinators = Array.Empty<(NodeId, StationConfig)>();

    private SimRandom? _membershipRandom;
    private int _peerChangesOutstanding;
    private int _peerChangesStarted;
    private int _peerChangesDone;
    private int _peerChangesGivenUp;
    private int _peerChangeRequests;
    private int _votersMax;
    private int _votersMin = int.MaxValue;
    private bool _growing = true;
    private int _growShrinkCycles;

    /// <summary>
    /// The operator's changes of the station's peers: started, done (the station has the configuration asked for),
    /// given up (refused, or not done in time), and requests sent to nodes (with retries); and the fewest and most voters
    /// a committed configuration had.
    /// </summary>
    public (int Started, int Done, int GivenUp, int Requests, int VotersMin, int VotersMax) PeerChanges =>
        (_peerChangesStarted, _peerChangesDone, _peerChangesGivenUp, _peerChangeRequests, _votersMin == int.MaxValue ? 0 : _votersMin, _votersMax);

    /// <summary>The station's cluster id (fixed at bootstrap, from the initial peers and the timing).</summary>
    private string StationClusterId => _protocol.Timing.ClusterIdFor(_initialPeers);

    private long MembershipStopAt => _healAt > 0 ? _healAt : Math.Max(0, (_options.Ticks - 500) * TimeUnitsPerTick);

    private SimRandom MembershipRandom => _membershipRandom ??= new SimRandom(_options.Seed, 4);

    private void ScheduleMembershipChanges()
    {
        if (_faultMix.MembershipIntervalTicksMean <= 0 || _options.Membership != "none" || !_options.AutoBootstrap)
        {
            return;
        }

        ScheduleAction(DrawMembershipInterval(), RequestRandomPeerChange);
    }

    private long DrawMembershipInterval() => _now + (long)(_faultMix.MembershipIntervalTicksMean * MembershipRandom.Uniform(0.5, 1.5) * TimeUnitsPerTick);

    /// <summary>The membership fault: add a spare, remove a voter (the master at times), or replace a voter with a spare.</summary>
    private void RequestRandomPeerChange()
    {
        if (_now >= MembershipStopAt)
        {
            return;
        }

        if (_peerChangesOutstanding < PeerChangesOutstandingMax && CurrentStationConfig() is { } config)
        {
            var random = MembershipRandom;
            var spares = Spares(config);
            var voters = config.Voters.Members;
            var kinds = new List<int>(3);
            if (voters.Count < Limits.PeersMax && spares.Length > 0)
            {
                kinds.Add(0);
                kinds.Add(2);
            }

            if (voters.Count >= 2)
            {
                kinds.Add(1); // At 2 voters the core must refuse: that is exercised too.
            }

            if (kinds.Count > 0)
            {
                switch (kinds[random.Next(kinds.Count)])
                {
                    case 0:
                        var added = spares[random.Next(spares.Length)];
                        StartPeerChange(new PeerChange(new AddPeer(added.Id), added, retryRefusals: false, then: null));
                        break;
                    case 1:
                        StartPeerChange(new PeerChange(new RemovePeer(voters[random.Next(voters.Count)]), null, retryRefusals: false, then: null));
                        break;
                    default:
                        var incoming = spares[random.Next(spares.Length)];
                        StartPeerChange(new PeerChange(new ReplacePeer(voters[random.Next(voters.Count)], incoming.Id), incoming, retryRefusals: false, then: null));
                        break;
                }
            }
        }

        ScheduleAction(DrawMembershipInterval(), RequestRandomPeerChange);
    }

    /// <summary>
    /// The grow-shrink scenario: one change at a time, each started once the previous one is done (or given up) and
    /// the station has no change under way; add a spare until 7 voters, then remove a voter (the master at times) until
    /// the start size (at least 2, the fewest a station may shrink to), and again, until the heal.
    /// </summary>
    private void ScheduleGrowShrink() => ScheduleAction(30 * TimeUnitsPerTick, NextGrowShrinkStep);

    private void NextGrowShrinkStep()
    {
        if (_now >= MembershipStopAt)
        {
            return;
        }

        if (CurrentStationConfig() is not { HasWorkLeft: false } config || CurrentMasterNode() is { ConfigurationChangeInFlight: true })
        {
            ScheduleAction(_now + (10 * TimeUnitsPerTick), NextGrowShrinkStep);
            return;
        }

        var random = MembershipRandom;
        var voters = config.Voters.Members;
        var floor = Math.Max(_options.Peers, 2);
        if (_growing && voters.Count >= Limits.PeersMax)
        {
            _growing = false;
        }
        else if (!_growing && voters.Count <= floor)
        {
            _growing = true;
            _growShrinkCycles++;
        }

        var spares = Spares(config);
        void Then(bool done) => ScheduleAction(_now + (random.NextInclusive(5, 30) * TimeUnitsPerTick), NextGrowShrinkStep);
        if (_growing && spares.Length > 0)
        {
            var added = spares[random.Next(spares.Length)];
            StartPeerChange(new PeerChange(new AddPeer(added.Id), added, retryRefusals: true, then: Then));
        }
        else if (!_growing)
        {
            // A quarter of the removals take the master itself: it must step down once the change commits.
            var master = CurrentMasterNode();
            var removed = master is not null && config.IsVoter(master.Id) && random.Chance(0.25) ? master.Id : voters[random.Next(voters.Count)];
            StartPeerChange(new PeerChange(new RemovePeer(removed), null, retryRefusals: true, then: Then));
        }
        else
        {
            ScheduleAction(_now + (10 * TimeUnitsPerTick), NextGrowShrinkStep);
        }
    }

    /// <summary>Station-capable machines the configuration does not hold: never added, or removed since.</summary>
    private SimNode[] Spares(StationConfig config) => _nodes.Take(_stationNodes).Where(n => !config.Contains(n.Id)).ToArray();

    /// <summary>The configuration an operator sees: the newest master's, else the newest committed one.</summary>
    private StationConfig? CurrentStationConfig() => CurrentMasterNode()?.Configuration ?? _monitor.CommittedConfiguration;

    /// <summary>The master of the highest term among the live station nodes, or null.</summary>
    private HalonNode? CurrentMasterNode()
    {
        HalonNode? master = null;
        for (var i = 0; i < _stationNodes; i++)
        {
            if (_nodes[i].Node is { State: SupervisorState.Master } node && (master is null || node.Term > master.Term))
            {
                master = node;
            }
        }

        return master;
    }

    private void StartPeerChange(PeerChange change)
    {
        _peerChangesOutstanding++;
        _peerChangesStarted++;
        change.GiveUpAt = _now + (PeerChangeTicksMax * TimeUnitsPerTick);
        _log?.Invoke($"{NowTicks,9:0.000} op   station {Describe(change.Change)}");
        AttemptPeerChange(change);
    }

    /// <summary>One try of the operator: join the new node if it is not a station peer yet, then ask a peer.</summary>
    private void AttemptPeerChange(PeerChange change)
    {
        if (_now > change.GiveUpAt)
        {
            FinishPeerChange(change, false, $"not done within {PeerChangeTicksMax} ticks");
            return;
        }

        if (change.Joining is { } joining && !EnsureJoined(joining))
        {
            RetryPeerChange(change, 10);
            return;
        }

        var at = change.AskNext is { Node: not null } next && next.PausedUntil <= _now && IsStationPeer(next) ? next : RandomLivePeer();
        if (at is null)
        {
            RetryPeerChange(change, 5);
            return;
        }

        var protocolNode = at.Node!;
        var coordinatorRan = protocolNode.CoordinatorRunning;
        MembershipResult result;
        try
        {
            result = protocolNode.ChangeStation(change.Change);
        }
        catch (Exception exception) when (exception is HalonInvariantException or ArgumentException or InvalidOperationException or IndexOutOfRangeException or NullReferenceException)
        {
            CoreFailure(at, exception);
            change.AskNext = null;
            RetryPeerChange(change, 5);
            return;
        }

        _peerChangeRequests++;
        Log(at, $"operator: station {Describe(change.Change)}: {result.Outcome}: {result.Message}");
        if (result.Outcome == MembershipOutcome.Appended && !coordinatorRan)
        {
            _monitor.Report(Invariant.ConfigurationChange, $"{at.Id} appended {change.Change.Describe()} without a running coordinator");
        }

        var generation = at.Generation;
        Drain(at);
        if (at.Generation != generation || at.Node is null)
        {
            change.AskNext = null; // It crashed while answering: ask again.
            RetryPeerChange(change, 5);
            return;
        }

        if (result.Outcome is not (MembershipOutcome.NotCoordinator or MembershipOutcome.NotStation) && Satisfied(change.Change, at.Node))
        {
            FinishPeerChange(change, true, "done");
            return;
        }

        switch (result.Outcome)
        {
            case MembershipOutcome.NotCoordinator:
                // Follow the hint at once when the master it names can be reached; otherwise wait a little.
                change.AskNext = result.Master is { } master && _indexOf.TryGetValue(master, out var index) ? _nodes[index] : null;
                RetryPeerChange(change, change.AskNext is { Node: not null } hinted && hinted.PausedUntil <= _now && IsStationPeer(hinted) ? 1 : 5);
                break;
            case MembershipOutcome.NotStation:
                change.AskNext = null;
                RetryPeerChange(change, 1);
                break;
            case MembershipOutcome.Refused when !change.RetryRefusals:
                FinishPeerChange(change, false, "refused");
                break;
            case MembershipOutcome.Refused:
                change.AskNext = null;
                RetryPeerChange(change, 20);
                break;
            default:
                // Appended, pending, or done by the core's account but not committed yet: wait, then ask again.
                change.AskNext = at;
                RetryPeerChange(change, 10);
                break;
        }
    }

    private void RetryPeerChange(PeerChange change, int ticks) =>
        ScheduleAction(_now + (ticks * TimeUnitsPerTick), () => AttemptPeerChange(change));

    private void FinishPeerChange(PeerChange change, bool done, string how)
    {
        _peerChangesOutstanding--;
        _peerChangesDone += done ? 1 : 0;
        _peerChangesGivenUp += done ? 0 : 1;
        _log?.Invoke($"{NowTicks,9:0.000} op   station {Describe(change.Change)}: {how}");
        change.Then?.Invoke(done);
    }

    /// <summary>Whether <paramref name="node"/> (which answered as coordinator) has the change made and committed.</summary>
    private static bool Satisfied(MembershipChange change, HalonNode node)
    {
        if (node.Configuration is not { } config || node.ConfigurationChangeInFlight || config.HasWorkLeft)
        {
            return false;
        }

        return change switch
        {
            AddPeer add => config.IsVoter(add.Node),
            RemovePeer remove => !config.Contains(remove.Node),
            ReplacePeer replace => config.IsVoter(replace.New) && !config.Contains(replace.Old),
            _ => false,
        };
    }

    /// <summary>
    /// Makes <paramref name="node"/> a station peer that joins (<c>JoinStation</c>) unless it is one already; false while
    /// it is down or paused, or crashed before its answer left (the operator tries again, as halonctl does).
    /// </summary>
    private bool EnsureJoined(SimNode node)
    {
        if (node.Node is null || node.PausedUntil > _now)
        {
            return false;
        }

        if (IsStationPeer(node))
        {
            // A member already, or joining and not yet added; but a peer whose own configuration holds it while the
            // station's no longer does has not applied its removal yet: the operator waits until it says it left (a
            // join takes a node with no role or one that left), since re-added first, it would apply the old removal
            // after the new addition and leave for good.
            if (CurrentStationConfig() is not { } config || config.Contains(node.Id))
            {
                return true;
            }

            return node.Disk.Role.Joining && node.Node!.Configuration?.Contains(node.Id) != true;
        }

        var result = JoinNode(node);
        return result is { Succeeded: true } && node.Node is not null && IsStationPeer(node);
    }

    /// <summary>Tells <paramref name="node"/> to join the station; null when its core threw (reported, and the node crashed).</summary>
    private CommandResult? JoinNode(SimNode node, PeerSet? contacts = null)
    {
        contacts ??= Contacts(node);
        CommandResult result;
        try
        {
            result = node.Node!.JoinStation(StationClusterId, _protocol.Timing, contacts);
        }
        catch (Exception exception) when (exception is HalonInvariantException or ArgumentException or InvalidOperationException or IndexOutOfRangeException or NullReferenceException)
        {
            CoreFailure(node, exception);
            return null;
        }

        Log(node, $"operator: join station {StationClusterId} (contacts {string.Join(',', contacts.Members.Select(m => m.Host))}): {result.Message}");
        Drain(node);
        return result;
    }

    /// <summary>The voters an operator would name as contacts: the current configuration's, without the node itself.</summary>
    private PeerSet Contacts(SimNode node)
    {
        var voters = (CurrentStationConfig()?.Voters ?? _initialPeers).Members.Where(v => !v.Equals(node.Id)).ToArray();
        return PeerSet.Create(voters.Length > 0 ? voters : _initialPeers.Members.Where(v => !v.Equals(node.Id)).DefaultIfEmpty(node.Id));
    }

    private static bool IsStationPeer(SimNode node) => node.Node is { Role: NodeRole.Station, LeftTheStation: false };

    private SimNode? RandomLivePeer()
    {
        var live = _nodes.Take(_stationNodes).Where(n => n.PausedUntil <= _now && IsStationPeer(n)).ToArray();
        return live.Length == 0 ? null : live[MembershipRandom.Next(live.Length)];
    }

    private static string Describe(MembershipChange change) => change switch
    {
        AddPeer add => $"add {add.Node.Host}",
        RemovePeer remove => $"remove {remove.Node.Host}",
        ReplacePeer replace => $"replace {replace.Old.Host} {replace.New.Host}",
        _ => change.Describe(),
    };

    /// <summary>
    /// A wiped peer comes back: bootstrapped again with the initial peers while the station still runs them, or told
    /// to join (with the current voters, itself left out, as contacts) once its configuration has changed, so that it
    /// learns its configuration from the master rather than from a stale peer set.
    /// </summary>
    private void BringBackWiped(SimNode node)
    {
        if (_monitor.CommittedConfigurationIndex == 0 && CurrentMasterNode() is not { ConfigurationIndex: > 0 })
        {
            Command(node, _initialPeers);
            return;
        }

        if (node.Node is null || node.PausedUntil > _now)
        {
            ScheduleAction(_now + (10 * TimeUnitsPerTick), () => BringBackWiped(node));
            return;
        }

        var generation = node.Generation;
        JoinNode(node);
        if (node.Generation != generation)
        {
            ScheduleAction(_now + (10 * TimeUnitsPerTick), () => BringBackWiped(node));
        }
    }

    /// <summary>After the heal, a change under way must finish: by the end, the master's configuration has no learner, no retiring voter, nothing uncommitted.</summary>
    private void CheckMembershipSettled()
    {
        if (_stationNodes == _options.Peers || CurrentMasterNode() is not { CoordinatorRunning: true, Configuration: { } config } master)
        {
            return;
        }

        if (config.HasWorkLeft || master.ConfigurationChangeInFlight)
        {
            _monitor.Report(Invariant.Liveness, $"a change of the station's peers is still under way at the end of a healed run: {master.Id} has {config} at index {master.ConfigurationIndex}{(master.ConfigurationChangeInFlight ? " (uncommitted)" : string.Empty)}; {StationSummary()}");
        }
    }

    /// <summary>The configurations of the coordinators other than <paramref name="deciding"/>'s that are live by their node's clock.</summary>
    private IReadOnlyList<(NodeId Node, StationConfig Config)> LiveCoordinatorConfigs(SimNode deciding)
    {
        List<(NodeId, StationConfig)>? live = null;
        for (var i = 0; i < _stationNodes; i++)
        {
            var other = _nodes[i];
            if (other != deciding && other.HasLiveCoordinator && other.Node!.Configuration is { } config)
            {
                (live ??= new()).Add((other.Id, config));
            }
        }

        return live ?? s_noCoordinators;
    }

    /// <summary>
    /// After a batch's effects: a write of configuration entries (or of a snapshot) is shown to the config-change
    /// checks; the configuration in force is shown to the config-agreement checks whenever it, the log under it, or
    /// its commit may have changed.
    /// </summary>
    private void ObserveMembership(SimNode node, HalonNode protocolNode, in Ready ready)
    {
        if (protocolNode.Role != NodeRole.Station || protocolNode.Configuration is not { } config)
        {
            return;
        }

        var snapshot = protocolNode.LatestSnapshot;
        var writesConfig = ready.Snapshot is not null || ready.Entries.Any(e => e.Command is StationConfigCommand);
        if (writesConfig)
        {
            var from = ready.Snapshot is not null ? protocolNode.FirstLogIndex : ready.EntriesFromIndex;
            _monitor.ObserveLogWrite(node.Id, protocolNode.Log, protocolNode.FirstLogIndex, snapshot?.Config, snapshot?.LastIncludedIndex ?? 0, from, protocolNode.CommitIndex);
        }

        var index = protocolNode.ConfigurationIndex;
        var commitCrosses = false;
        foreach (var effect in ready.Effects)
        {
            commitCrosses |= effect is EntriesCommitted committed && committed.FromIndex < index && index <= committed.ToIndex;
            commitCrosses |= effect is ConfigurationChanged or LeftStation;
        }

        var cutUnder = ready.EntriesFromIndex > 0 && ready.EntriesFromIndex <= node.LastConfigIndex;
        if (writesConfig || commitCrosses || cutUnder || index != node.LastConfigIndex || !config.Equals(node.LastConfig))
        {
            _monitor.ObserveConfigurationInForce(node.Id, config, index, protocolNode.Log, snapshot?.Config, snapshot?.LastIncludedIndex ?? 0, protocolNode.CommitIndex, protocolNode.State == SupervisorState.Master || protocolNode.CoordinatorRunning);
        }

        if (commitCrosses && _monitor.CommittedConfiguration is { } committedConfig)
        {
            _votersMax = Math.Max(_votersMax, committedConfig.Voters.Count);
            _votersMin = Math.Min(_votersMin, committedConfig.Voters.Count);
        }
    }

    /// <summary>What the node looks like after its batch: the state a later step starts from.</summary>
    private static void RememberStep(SimNode node, HalonNode protocolNode)
    {
        node.LastState = protocolNode.State;
        node.LastTerm = protocolNode.Term;
        node.LastConfig = protocolNode.Configuration;
        node.LastConfigIndex = protocolNode.ConfigurationIndex;
    }

    /// <summary>One operator change under way.</summary>
    private sealed class PeerChange(MembershipChange change, SimNode? joining, bool retryRefusals, Action<bool>? then)
    {
        public MembershipChange Change { get; } = change;

        /// <summary>The node to tell to join first (the added node, or a replacement's new one), or null.</summary>
        public SimNode? Joining { get; } = joining;

        /// <summary>Whether a refusal is tried again later (the scenario) or ends the change (the random operator).</summary>
        public bool RetryRefusals { get; } = retryRefusals;

        /// <summary>Called once the change is done (true) or given up (false).</summary>
        public Action<bool>? Then { get; } = then;

        /// <summary>The node to ask next (the master a hint named, or the one that answered), or null for any live peer.</summary>
        public SimNode? AskNext { get; set; }

        public long GiveUpAt { get; set; }
    }
}
