using Halon.Core;
using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Protocol;
using Halon.Simulation.Checking;

namespace Halon.Simulation.Harness;

/// <summary>
/// A whole cluster in one thread: virtual time, an in-memory network with faults, crash and restart with persisted
/// state, and the invariant checkers after every step. Everything drawn comes from the seed.
/// </summary>
public sealed partial class Simulation
{
    /// <summary>Virtual time units per nominal tick; finer than a tick so that delays and drift have room.</summary>
    public const long TimeUnitsPerTick = 1000;

    private const ulong FnvPrime = 1099511628211UL;

    private readonly SimulationOptions _options;
    private readonly ProtocolOptions _protocol;
    private readonly int _livenessCoordinatorTicksMax;
    private readonly int _livenessAcknowledgedTicksMax;
    private readonly bool _lazySatelliteTicks;
    private readonly SimRandom _random;
    // Quarter-tick slots: a message delayed less than a tick still lands in a later slot, not in the one being read.
    private readonly EventQueue _queue = new(TimeUnitsPerTick / 4);
    private readonly SimNode[] _nodes;

    // The station-capable machines are the nodes 0.._stationNodes-1: the initial peers first (0..Peers-1, bootstrapped
    // at the start), then the spares (no role until the operator joins them). Satellites follow.
    private readonly int _stationNodes;
    private readonly PeerSet _initialPeers;

    // The station list satellites are bootstrapped with: every station-capable machine, so that they reach a master
    // whichever of them the station's configuration holds (a satellite takes answers only from nodes on its list).
    private readonly PeerSet _satelliteStation;
    private readonly Dictionary<NodeId, int> _indexOf = new();
    private readonly InvariantMonitor _monitor = new();
    private readonly FaultOptions _faultMix;
    private FaultOptions _faults;
    private readonly Action<string>? _log;

    private long _now;
    private ulong _traceHash = 14695981039346656037UL;
    private long _events;
    private long _dispatched;
    private readonly long _eventsMax;
    private long _sent;
    private long _delivered;
    private long _dropped;
    private int _elections;
    private int _coordinatorStarts;
    private int _crashes;
    private long _highestTerm;
    private long _firstCoordinatorAt = -1;
    private readonly long _healAt;
    private bool _healed;
    private long _coordinatorAfterHealAt = -1;
    private long _allAcknowledgedAfterHealAt = -1;
    private int _satellitesAcknowledged;

    /// <summary>Builds the cluster of <paramref name="options"/>; <paramref name="log"/>, if given, receives a line per effect.</summary>
    public Simulation(SimulationOptions options, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _log = log;
        _random = new SimRandom(options.Seed, 1);
        _faultMix = options.FaultSpec == "swarm" ? FaultOptions.DrawSwarm(new SimRandom(options.Seed, 2)) : FaultOptions.Parse(options.FaultSpec);
        if (options.Satellites > SimulationOptions.LazySatelliteTicksAbove && _faultMix.SnapshotThresholdEntries > 0)
        {
            // At station scale a snapshot carries the whole table (megabytes for 100,000 satellites): a threshold of a
            // few entries would copy it after every few acknowledgements, and tiny chunks would make one install take
            // tens of thousands of round trips. Compaction and installs still happen many times per run with a
            // threshold of a tenth of the satellites and the protocol's own chunk size.
            _faultMix = _faultMix with { SnapshotThresholdEntries = Math.Max(_faultMix.SnapshotThresholdEntries, options.Satellites / 10), SnapshotChunkBytes = 0 };
        }

        if (options.Satellites > SimulationOptions.LazySatelliteTicksAbove && options.FaultSpec == "swarm" && _faultMix.EntriesPerAppendMax > 0)
        {
            // The swarm's small appends (1 to 3 entries per message) are there to play Figure 8 with a handful of
            // entries. At station scale they only measure how slowly thousands of acknowledgements trickle through
            // three at a time, which no station can be configured to do (halond always sends up to 256): seed 4 at
            // 20,000 satellites spent 274 ticks after the heal catching followers up on a new master's tail. A
            // fault list that names small-appends or figure-8 keeps them.
            _faultMix = _faultMix with { EntriesPerAppendMax = 0 };
        }

        _faults = _faultMix;
        _protocol = _faultMix.EntriesPerAppendMax > 0 ? options.Protocol with { EntriesPerAppendMax = _faultMix.EntriesPerAppendMax } : options.Protocol;
        _protocol = _faultMix.Timing is { } timing ? _protocol.WithTiming(timing) : _protocol;
        _protocol = _faultMix.SnapshotThresholdEntries > 0 ? _protocol with { SnapshotThresholdEntries = _faultMix.SnapshotThresholdEntries } : _protocol;
        _protocol = _faultMix.SnapshotChunkBytes > 0 ? _protocol with { SnapshotChunkBytes = _faultMix.SnapshotChunkBytes } : _protocol;
        // Liveness bounds are stated for E = 15; a station with a longer election timeout gets proportionally longer.
        _livenessCoordinatorTicksMax = Math.Max(options.LivenessCoordinatorTicksMax, 10 * _protocol.ElectionTimeoutTicks);
        _livenessAcknowledgedTicksMax = Math.Max(options.LivenessAcknowledgedTicksMax, 20 * _protocol.ElectionTimeoutTicks);
        _lazySatelliteTicks = options.SatelliteTicksLazy;
        _healAt = _faultMix.Any ? options.FaultPhaseTicks * TimeUnitsPerTick : 0;
        _stationNodes = options.Peers + options.SparesFor(_faultMix);
        _nodes = new SimNode[_stationNodes + options.Satellites];
        _cuts = new NetworkCuts(_stationNodes, _nodes.Length);
        _monitor.ElectionTimeoutTicks = _protocol.ElectionTimeoutTicks;
        _monitor.TickPeriodMin = TimeUnitsPerTick;
        _eventsMax = options.EventsMax > 0 ? options.EventsMax : DefaultEventsMax(options);
        CreateNodes();
        _initialPeers = PeerSet.Create(_nodes.Take(options.Peers).Select(n => n.Id));
        _satelliteStation = PeerSet.Create(_nodes.Take(_stationNodes).Select(n => n.Id));
        _monitor.ObserveStationBootstrap(StationConfig.Of(_initialPeers));
        ScheduleStart();
    }

    /// <summary>When set, receives every effect and fault as a typed timeline event (<c>halon-sim run --timeline</c>).</summary>
    internal Timeline.TimelineRecorder? Timeline { get; set; }

    /// <summary>Tests only: called after every tick with the node and what its <c>TicksUntilNextTimer</c> was before.</summary>
    internal Action<HalonNode, long>? TickObserver { get; set; }

    /// <summary>Whether dropped messages are logged too (noisy: stale heartbeats are normal).</summary>
    public bool LogDrops { get; set; }

    /// <summary>The fault mix of this run.</summary>
    public FaultOptions Faults => _faultMix;

    /// <summary>The checkers.</summary>
    public InvariantMonitor Monitor => _monitor;

    /// <summary>Current virtual time in ticks.</summary>
    public double NowTicks => (double)_now / TimeUnitsPerTick;

    /// <summary>Runs the whole configured length and returns the result, with the final liveness checks.</summary>
    public SimulationResult Run()
    {
        RunUntil(_options.Ticks * TimeUnitsPerTick);
        FinalChecks();
        return Result();
    }

    /// <summary>Processes every event up to <paramref name="time"/> (in time units).</summary>
    public void RunUntil(long time)
    {
        while (_queue.Count > 0 && _queue.PeekTime() <= time)
        {
            Dispatch(_queue.Pop());
        }

        _now = Math.Max(_now, time);
    }

    /// <summary>
    /// The default event budget of a run: a hundred events per node per tick, far above any correct run (about two
    /// per node per tick), so that an event storm or a livelock ends the run as a failure instead of hanging a sweep.
    /// </summary>
    public static long DefaultEventsMax(SimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return 1_000_000 + (100L * Math.Min(options.Ticks, 1_000_000) * (options.Peers + options.Satellites));
    }

    /// <summary>Whether the run was stopped for exceeding its event budget.</summary>
    public bool StoppedByRunLimit { get; private set; }

    private void StopForRunLimit()
    {
        StoppedByRunLimit = true;
        _monitor.Report(Invariant.RunLimit, $"the run did not finish within its budget of {_eventsMax} events (an event storm or a livelock); {StationSummary()}");
        _queue.Clear();
    }

    private void CreateNodes()
    {
        var drift = _faultMix.ClockDrift;
        for (var i = 0; i < _nodes.Length; i++)
        {
            var isPeer = i < _stationNodes;
            var id = NodeId.Parse(isPeer ? $"p{i + 1}:9070" : $"s{i - _stationNodes + 1}:9070");
            var facts = new HostFacts(isPeer ? $"p{i + 1}" : $"s{i - _stationNodes + 1}", 2 + (i % 7), 4096L << (i % 3));
            var node = new SimNode(i, id, isPeer, new SimRandom(_options.Seed, 1000UL + (ulong)i), facts);
            node.Node = new HalonNode(id, _protocol, node.Random, facts);
            if (drift)
            {
                node.TickPeriod = DrawTickPeriod();
            }

            _nodes[i] = node;
            _indexOf[id] = i;
        }
    }

    private void ScheduleStart()
    {
        foreach (var node in _nodes)
        {
            Schedule(new SimEvent { Time = 1 + _random.NextInclusive(0, TimeUnitsPerTick - 1), Kind = EventKind.Tick, Node = node.Index });
        }

        if (_options.AutoBootstrap)
        {
            foreach (var node in _nodes)
            {
                if (node.IsPeer && node.Index >= _options.Peers)
                {
                    continue; // A spare waits for the operator to join it.
                }

                var at = _random.NextInclusive(0, (node.IsPeer ? 2 : 5) * TimeUnitsPerTick);
                var target = node;
                var peers = node.IsPeer ? _initialPeers : _satelliteStation;
                ScheduleAction(at, () => Command(target, peers));
            }
        }

        if (_healAt > 0)
        {
            ScheduleNemesis();
            ScheduleAction(_healAt, Heal);
            if (_faultMix.WipePeerAfterHeal && _options.Peers >= 3)
            {
                ScheduleAction(_healAt + (_random.NextInclusive(20, 60) * TimeUnitsPerTick), WipePeer);
            }
        }
        else
        {
            _healed = true;
        }

        if (_options.AutoBootstrap)
        {
            if (_options.Membership == "grow-shrink")
            {
                ScheduleGrowShrink();
            }

            ScheduleAction(_healAt + (_livenessCoordinatorTicksMax * TimeUnitsPerTick), CheckCoordinatorLiveness);
            ScheduleAction(_healAt + (_livenessAcknowledgedTicksMax * TimeUnitsPerTick), CheckAcknowledgedLiveness);
        }
    }

    private void Command(SimNode node, PeerSet peers)
    {
        if (node.Node is null || node.PausedUntil > _now)
        {
            // halonctl retries an unreachable node (the command is idempotent), as `--wait` does.
            ScheduleAction(_now + (10 * TimeUnitsPerTick), () => Command(node, peers));
            return;
        }

        Wake(node);
        if (node.Node is null)
        {
            ScheduleAction(_now + (10 * TimeUnitsPerTick), () => Command(node, peers));
            return;
        }

        var result = node.IsPeer ? node.Node.BecomeStationPeer(peers) : node.Node.BecomeSatellite(peers);
        Log(node, result.Message);
        var generation = node.Generation;
        Drain(node);
        if (node.Generation != generation)
        {
            // The node crashed before its reply (which follows the persisted role) went out: halonctl retries.
            ScheduleAction(_now + (10 * TimeUnitsPerTick), () => Command(node, peers));
        }
    }

    private void Schedule(SimEvent item) => _queue.Push(item);

    private void ScheduleAction(long time, Action action) =>
        Schedule(new SimEvent { Time = time, Kind = EventKind.Command, Node = -1, Action = action });

    private void Dispatch(SimEvent item)
    {
        if (++_dispatched > _eventsMax)
        {
            StopForRunLimit();
            return;
        }

        _now = item.Time;
        _monitor.NowTicks = NowTicks;
        switch (item.Kind)
        {
            case EventKind.Tick:
                OnTick(item);
                break;
            case EventKind.Deliver:
                OnDeliver(item);
                break;
            case EventKind.Restart:
                Restart(_nodes[item.Node], "restarted by the nemesis");
                break;
            case EventKind.Resume:
                OnResume(_nodes[item.Node], item.Generation);
                break;
            case EventKind.Command:
            case EventKind.Nemesis:
            case EventKind.Heal:
            case EventKind.LivenessCheck:
                item.Action!();
                break;
            default:
                throw new InvalidOperationException($"unknown event {item.Kind}");
        }
    }

    private void OnTick(SimEvent item)
    {
        var node = _nodes[item.Node];
        if (node.Node is null || node.Generation != item.Generation || node.TickToken != item.Token)
        {
            return;
        }

        if (_lazySatelliteTicks && !node.IsPeer)
        {
            OnSatelliteTick(node);
            return;
        }

        item.Time = _now + node.TickPeriod;
        Schedule(item);
        if (node.IsPeer)
        {
            // Only a peer can run a coordinator, whose authority is judged by these times.
            node.TickDueTimes.Add(_now);
        }

        if (node.PausedUntil > _now)
        {
            node.MissedTicks++;
            CheckAuthority(node);
            return;
        }

        TickNode(node);
        CheckAuthority(node);
    }

    /// <summary>
    /// Lazy satellite ticks: a satellite sleeps through the ticks that would do nothing, as <c>halond</c> does
    /// (<see cref="HalonNode.TicksUntilNextTimer"/>). One that runs no timer (acknowledged, or removed) gets no tick
    /// event until its next input; one that waits for its next announcement gets one at the tick its timer falls due.
    /// Either way <see cref="Wake"/> first issues, in one burst, every tick that fell due while it slept, so its clock
    /// is true before anything else happens to it.
    /// </summary>
    private void OnSatelliteTick(SimNode node)
    {
        if (node.Dormant)
        {
            // Its timer is due: the ticks it slept through, then this one, in one burst.
            var lastTick = Wake(node, resumeTicking: false);
            if (node.Node is not null)
            {
                TickOrSleep(node, lastTick);
            }

            return;
        }

        if (node.PausedUntil > _now)
        {
            node.MissedTicks++;
            Schedule(new SimEvent { Time = _now + node.TickPeriod, Kind = EventKind.Tick, Node = node.Index, Generation = node.Generation, Token = node.TickToken });
            return;
        }

        TickNode(node);
        if (node.Node is not null)
        {
            TickOrSleep(node, _now);
        }
    }

    /// <summary>After the satellite's tick at <paramref name="lastTick"/>: its next tick event, or sleep until its timer.</summary>
    private void TickOrSleep(SimNode node, long lastTick)
    {
        var timerTicks = node.Node!.TicksUntilNextTimer;
        if (timerTicks <= 1 || node.PausedUntil != 0)
        {
            Schedule(new SimEvent { Time = lastTick + node.TickPeriod, Kind = EventKind.Tick, Node = node.Index, Generation = node.Generation, Token = node.TickToken });
            return;
        }

        node.Dormant = true;
        node.DormantFrom = lastTick;
        node.TickToken++;
        if (timerTicks != HalonNode.NoTimerTicks)
        {
            Schedule(new SimEvent { Time = lastTick + (timerTicks * node.TickPeriod), Kind = EventKind.Tick, Node = node.Index, Generation = node.Generation, Token = node.TickToken });
        }
    }

    /// <summary>
    /// Before any input to a sleeping satellite (and when its timer falls due): the ticks that fell due since it slept,
    /// then, unless <paramref name="resumeTicking"/> is false, its tick events again. Returns the time of the last
    /// tick it has now had.
    /// </summary>
    private long Wake(SimNode node, bool resumeTicking = true)
    {
        if (!node.Dormant)
        {
            return _now;
        }

        node.Dormant = false;
        node.TickToken++; // The event for its timer, if one is queued, is no longer its next tick.
        var due = (_now - node.DormantFrom) / node.TickPeriod;
        for (var i = 0; i < due && node.Node is not null; i++)
        {
            TickNode(node);
        }

        var lastTick = node.DormantFrom + (due * node.TickPeriod);
        if (resumeTicking && node.Node is not null)
        {
            Schedule(new SimEvent { Time = lastTick + node.TickPeriod, Kind = EventKind.Tick, Node = node.Index, Generation = node.Generation, Token = node.TickToken });
        }

        return lastTick;
    }

    /// <summary>
    /// The lease by real time: if the coordinator on <paramref name="node"/> still has authority by its clock, it has
    /// it at least until its next tick; that must come before any follower that acknowledged the heartbeat the lease
    /// rests on (by what was really delivered to the master) could vote again. The lease rests on a majority of the
    /// voters of the configuration the master has in force (itself included when it votes), and that configuration's
    /// majorities must meet those of the newest committed configuration (quorum intersection of the lease).
    /// </summary>
    private void CheckAuthority(SimNode node)
    {
        if (node.Node is not { CoordinatorRunning: true, Configuration: { } config } protocolNode || !node.HasLiveCoordinator || protocolNode.Term != node.EchoedTerm)
        {
            return;
        }

        var voters = config.Voters.Members;
        Span<long> echoed = stackalloc long[voters.Count];
        for (var i = 0; i < voters.Count; i++)
        {
            echoed[i] = voters[i].Equals(node.Id)
                ? node.ClockTicks
                : _indexOf.TryGetValue(voters[i], out var index) && index < node.EchoedLeaderTicks.Length ? node.EchoedLeaderTicks[index] : -1;
        }

        var leaseStartTick = Quorum.MajorityValue(echoed);
        if (leaseStartTick < 0)
        {
            _monitor.Report(Invariant.LeaseRule, $"the coordinator of epoch {protocolNode.CoordinatorEpoch} on {node.Id} runs, but no majority of its voters ({config.Voters}) has answered any heartbeat of term {protocolNode.Term}");
            return;
        }

        var leaseStart = node.TickDueTimes[(int)Math.Min(leaseStartTick, node.TickDueTimes.Count - 1)];
        _monitor.ObserveAuthority(node.Id, protocolNode.CoordinatorEpoch, _now + node.TickPeriod, leaseStart, TimeUnitsPerTick);
        _monitor.ObserveDecision(node.Id, "lease", protocolNode.Term, config, LiveCoordinatorConfigs(node), againstCommitted: true);
    }

    private void TickNode(SimNode node, bool catchingUp = false)
    {
        _events++;
        Hash(0, node.Index, 0, 0);
        var protocolNode = node.Node!;
        var timerTicks = TickObserver is null ? 0 : protocolNode.TicksUntilNextTimer;
        try
        {
            if (catchingUp)
            {
                protocolNode.TickCatchingUp();
            }
            else
            {
                protocolNode.Tick();
            }

            TickObserver?.Invoke(protocolNode, timerTicks);
        }
        catch (Exception exception) when (exception is HalonInvariantException or ArgumentException or InvalidOperationException or IndexOutOfRangeException or NullReferenceException)
        {
            CoreFailure(node, exception);
            return;
        }

        Drain(node);
        if (node.Node is { State: SupervisorState.Master } master)
        {
            _monitor.ObserveMasterTick(node.Id, master.Term, master.Now, master.Configuration?.Voters.Members ?? [node.Id]);
        }
    }

    private void OnDeliver(SimEvent item)
    {
        var node = _nodes[item.Node];
        var message = item.Message!;
        if (node.Node is null)
        {
            _dropped++;
            return;
        }

        if (node.PausedUntil > _now)
        {
            item.Time = node.PausedUntil;
            Schedule(item);
            return;
        }

        if (_partitioned && _cuts.IsCut(_indexOf[message.From], node.Index))
        {
            _dropped++;
            return;
        }

        Wake(node);
        if (node.Node is null)
        {
            _dropped++;
            return;
        }

        _events++;
        _delivered++;
        Hash(1, node.Index, _indexOf[message.From], MessageCode(message));
        var protocolNode = node.Node;
        var before = StepWitness.Before(protocolNode, message);
        StepResult result;
        try
        {
            result = protocolNode.Step(message);
        }
        catch (Exception exception) when (exception is HalonInvariantException or ArgumentException or InvalidOperationException or IndexOutOfRangeException or NullReferenceException)
        {
            CoreFailure(node, exception);
            return;
        }

        if (!result.Accepted && _log is not null && LogDrops)
        {
            Log(node, $"dropped {message.GetType().Name} from {message.From}: {result.DropReason}");
        }

        ObserveStep(node, protocolNode, message, result, before);
        Drain(node);
    }

    private void OnResume(SimNode node, int generation)
    {
        if (node.Node is null || node.Generation != generation)
        {
            return;
        }

        node.PausedUntil = 0;
        Timeline?.Node(NowTicks, node.Id, Halon.Simulation.Timeline.TimelineEventKind.Resume);
        // The missed ticks first, so the clock (and a master's lease) is true before anything else; but as catch-up
        // ticks: a campaign waits until the messages that arrived during the pause (delivered next) are stepped.
        while (node.MissedTicks > 0 && node.Node is not null)
        {
            node.MissedTicks--;
            TickNode(node, catchingUp: true);
        }
    }

    /// <summary>Persist, then observe effects, then send: the daemon's order, with the faults that can strike between.</summary>
    private void Drain(SimNode node)
    {
        var protocolNode = node.Node;
        if (protocolNode is null)
        {
            return;
        }

        if (!protocolNode.HasReady)
        {
            RememberStep(node, protocolNode);
            return;
        }

        var ready = protocolNode.GetReady();
        if (ready.MustPersist)
        {
            if (!_healed && ready.Snapshot is not null && _random.Chance(_faults.SnapshotTornWriteProbability))
            {
                // The crash strikes while the snapshot is written: before its rename (the old one stays) or after it,
                // before the log's covered prefix is dropped.
                node.Disk.ApplyTorn(ready, _random.Next(2));
                ObserveCommitsOf(node, protocolNode, ready); // Committed by the station, whatever this node kept.
                Crash(node, "crash while writing a snapshot");
                ScheduleRestart(node);
                return;
            }

            if (!_healed && _random.Chance(_faults.TornWriteProbability))
            {
                node.Disk.ApplyTorn(ready, _random.Next(SimDisk.WriteSteps(ready) + 1));
                ObserveCommitsOf(node, protocolNode, ready); // Committed by the station, whatever this node kept.
                Crash(node, "torn write");
                ScheduleRestart(node);
                return;
            }

            node.Disk.Apply(ready);
            if (ready.HardState is { } hardState)
            {
                Timeline?.Term(NowTicks, node.Id, hardState.Term);
                if (hardState.VotedFor is { } votedFor && !votedFor.Equals(node.Id))
                {
                    // A vote is cast when it is durable, whether or not the answer ever leaves (a crash before sending
                    // keeps it, and the node repeats it later): rule W is judged here, and later grants are repeats.
                    _monitor.ObserveVoteGranted(node.Id, node.Generation, protocolNode.Now, hardState.Term, votedFor, preVote: false);
                }
            }

            if (ready.Entries.Count > 0)
            {
                _monitor.ObserveEntries(node.Id, ready.Entries);
                if (node.CrashAfterNextAppend && !_healed && protocolNode.State == SupervisorState.Master)
                {
                    // The batch may also commit (a master appends the next step of a change as the previous one
                    // commits, and may snapshot it): those commits are the station's, whatever this node kept.
                    ObserveCommitsOf(node, protocolNode, ready);
                    CrashAfterAppend(node);
                    return;
                }
            }

            if (node.CrashAfterNextCommit && !_healed && ready.Effects.Any(e => e is EntriesCommitted) && protocolNode.State == SupervisorState.Master)
            {
                // The commit is durable on the master, but the batch that tells everyone dies with it.
                ObserveCommitsOf(node, protocolNode, ready);
                CrashAfterCommit(node);
                return;
            }

            if (!_healed && _random.Chance(_faults.CrashAfterPersistProbability))
            {
                ObserveCommitsOf(node, protocolNode, ready); // Committed by the station, whatever this node kept.
                Crash(node, "crash between persist and send");
                ScheduleRestart(node);
                return;
            }
        }

        node.LeadingTerm = node.LastState == SupervisorState.Master ? node.LastTerm : 0;
        foreach (var effect in ready.Effects)
        {
            Observe(node, protocolNode, effect);
        }

        ObserveMembership(node, protocolNode, ready);
        RememberStep(node, protocolNode);
        var acknowledges = false;
        var installing = false;
        foreach (var message in ready.Messages)
        {
            ObserveSent(node, protocolNode, message);
            installing |= message is InstallSnapshot;
            acknowledges |= message is VoteResponse { Granted: true } or AppendEntriesResponse { Success: true } or NodeUpAck;
            Send(node.Index, message);
        }

        protocolNode.Advance();
        if (acknowledges && node.CrashAfterNextAcknowledgement && node.Node is not null)
        {
            CrashAfterAcknowledgement(node);
        }

        if (installing && !_healed && node.Node is not null && _random.Chance(_faults.InstallRacesElectionProbability))
        {
            InstallRacesElection(node);
        }
    }

    private void Observe(SimNode node, HalonNode protocolNode, Effect effect)
    {
        Timeline?.Effect(NowTicks, node.Id, effect);
        if (effect is SupervisorStateChanged { From: SupervisorState.Master, To: not SupervisorState.Master })
        {
            node.LeadingTerm = 0;
        }

        switch (effect)
        {
            case BecameMaster master:
                _elections++;
                _highestTerm = Math.Max(_highestTerm, master.Term);
                node.LeadingTerm = master.Term;
                _monitor.ObserveMaster(node.Id, master.Term, protocolNode.Log, protocolNode.FirstLogIndex, protocolNode.LatestSnapshot);
                _monitor.ObserveMasterStart(node.Id, master.Term, protocolNode.Now);
                if (protocolNode.Configuration is { } electedWith)
                {
                    _monitor.ObserveElectionWin(node.Id, master.Term, electedWith, LiveCoordinatorConfigs(node));
                }

                node.EchoedTerm = master.Term;
                node.EchoedLeaderTicks = new long[_stationNodes];
                Array.Fill(node.EchoedLeaderTicks, -1);
                break;
            case SupervisorStateChanged { To: SupervisorState.PreCandidate } change:
                _monitor.ObserveCampaign(node.Id, node.Generation, protocolNode.Now, change.Term + 1, preVote: true);
                break;
            case SupervisorStateChanged { To: SupervisorState.Candidate } change:
                _monitor.ObserveCampaign(node.Id, node.Generation, protocolNode.Now, change.Term, preVote: false);
                break;
            case CoordinatorStarted started:
                _coordinatorStarts++;
                if (_firstCoordinatorAt < 0)
                {
                    _firstCoordinatorAt = _now;
                }

                ExpireLapsedCoordinators();
                if (!node.HasLiveCoordinator)
                {
                    // Started while catching up on ticks after a pause, with a lease that has already lapsed by this
                    // node's clock: it stops within the same catch-up, before it can act on any message.
                    _monitor.ObserveCoordinatorStopped(node.Id);
                    break;
                }

                _monitor.ObserveCoordinatorStarted(node.Id, started.Epoch, protocolNode.Satellites);
                if (_healed && _coordinatorAfterHealAt < 0)
                {
                    _coordinatorAfterHealAt = _now;
                }

                break;
            case CoordinatorStopped:
                _monitor.ObserveCoordinatorStopped(node.Id);
                break;
            case SatelliteAcknowledged acknowledged:
                _monitor.ObserveAcknowledged(acknowledged.Satellite, acknowledged.Incarnation, acknowledged.InstallId, byCoordinator: true);
                break;
            case SatelliteRemoved removed:
                _monitor.ObserveRemoved(removed.Satellite, removed.InstallId, removed.LogIndex);
                break;
            case RemovedFromStation:
                SetAcknowledged(node, false);
                ScheduleBootstrapAgain(node);
                break;
            case SnapshotTaken:
                _snapshotsTaken++;
                _monitor.ObserveSnapshot(node.Id, protocolNode.LatestSnapshot!);
                break;
            case SnapshotInstalled:
                _snapshotsInstalled++;
                _monitor.ObserveSnapshot(node.Id, protocolNode.LatestSnapshot!);
                break;
            case EntriesCommitted committed:
                _monitor.ObserveCommit(node.Id, protocolNode.Log, committed.FromIndex, committed.ToIndex, protocolNode.Term, protocolNode.FirstLogIndex);
                if (node.LeadingTerm > 0 && protocolNode.Configuration is { } countedWith)
                {
                    // A master commits by counting; anyone else learns the commit from its master.
                    _monitor.ObserveCommitDecision(node.Id, node.LeadingTerm, committed.ToIndex, node.LastConfig ?? countedWith, countedWith, LiveCoordinatorConfigs(node));
                }

                break;
            case AnnouncementAcknowledged announced:
                // What the satellite accepted counts as acknowledged, whoever sent it and whatever the coordinator
                // logged: every later coordinator must hold it.
                _monitor.ObserveAcknowledged(node.Id, announced.Incarnation, protocolNode.InstallId, byCoordinator: false);
                SetAcknowledged(node, true);
                break;
            default:
                break;
        }

        if (_log is not null)
        {
            Log(node, Describe(effect));
        }
    }

    /// <summary>
    /// A paused master keeps believing in its coordinator until it catches up on its ticks, but its authority ended
    /// when its clock passed the lease end; it will stop before acting. The checker goes by the clock.
    /// </summary>
    private void ExpireLapsedCoordinators()
    {
        foreach (var other in _nodes)
        {
            if (other.Node is { CoordinatorRunning: true } && !other.HasLiveCoordinator)
            {
                _monitor.ObserveCoordinatorStopped(other.Id);
            }
        }
    }

    /// <summary>Records the commits of a batch whose node is about to crash, so that the checkers know them.</summary>
    private void ObserveCommitsOf(SimNode node, HalonNode protocolNode, in Ready ready)
    {
        // A commit is the station's once a majority of the voters hold the entry durably. A master that is its
        // configuration's only voter counts its own log, so it commits in the same batch that appends; if that write
        // is torn, only what reached its disk was committed (the rest was never told to anyone).
        var durableTo = protocolNode is { State: SupervisorState.Master, Configuration: { Voters.Count: 1 } config } && config.IsVoter(node.Id)
            ? node.Disk.LastIndex
            : long.MaxValue;
        foreach (var effect in ready.Effects)
        {
            if (effect is EntriesCommitted committed && Math.Min(committed.ToIndex, durableTo) > committed.FromIndex)
            {
                _monitor.ObserveCommit(node.Id, protocolNode.Log, committed.FromIndex, Math.Min(committed.ToIndex, durableTo), protocolNode.Term, protocolNode.FirstLogIndex);
            }
            else if (effect is SatelliteRemoved removed && removed.LogIndex <= durableTo)
            {
                _monitor.ObserveRemoved(removed.Satellite, removed.InstallId, removed.LogIndex);
            }
        }
    }

    private void SetAcknowledged(SimNode node, bool acknowledged)
    {
        if (node.AcknowledgedCurrent == acknowledged)
        {
            return;
        }

        node.AcknowledgedCurrent = acknowledged;
        _satellitesAcknowledged += acknowledged ? 1 : -1;
        if (_healed && _allAcknowledgedAfterHealAt < 0 && _satellitesAcknowledged == _options.Satellites)
        {
            _allAcknowledgedAfterHealAt = _now;
        }
    }

    private void Send(int from, Message message)
    {
        _sent++;
        if (!_indexOf.TryGetValue(message.To, out var to))
        {
            _dropped++;
            return;
        }

        if ((_partitioned && _cuts.IsCut(from, to)) || _random.Chance(_faults.PacketLossProbability))
        {
            _dropped++;
            return;
        }

        var extraDelay = 0L;
        if (!_options.AutoBootstrap)
        {
            // A script's run: remember what was sent (for replay).
            RememberSent(message);
        }

        if (_rules.Count > 0)
        {
            // A script's drop and delay rules, or the targeted nemesis' holds.
            if (ApplyRules(message) is not { } delay)
            {
                _dropped++;
                return;
            }

            extraDelay = delay;
        }

        Schedule(new SimEvent { Time = _now + DrawDelay() + extraDelay, Kind = EventKind.Deliver, Node = to, Message = message });
        if (_random.Chance(_faults.PacketDuplicateProbability))
        {
            Schedule(new SimEvent { Time = _now + DrawDelay(), Kind = EventKind.Deliver, Node = to, Message = message });
        }

        if (TakesLateCopy(message))
        {
            Schedule(new SimEvent { Time = _now + (long)(_random.Uniform(3, 40) * TimeUnitsPerTick), Kind = EventKind.Deliver, Node = to, Message = message });
        }
    }

    private long DrawDelay()
    {
        var ticks = _faults.OneWayDelayTicksMin + (_random.NextDouble() * (_faults.OneWayDelayTicksMax - _faults.OneWayDelayTicksMin));
        return Math.Max(1, (long)(ticks * TimeUnitsPerTick));
    }

    /// <summary>
    /// A tick period within the drift bound: [1000, 1000 · ρ) time units, or, with <see cref="FaultOptions.DriftAtEdgeProbability"/>,
    /// one of its edges (the fastest or the slowest legal clock), where the lease argument is tightest.
    /// </summary>
    private long DrawTickPeriod()
    {
        var slowest = TimeUnitsPerTick + (long)(TimeUnitsPerTick * (_protocol.ClockDriftFactor - 1)) - 1;
        if (_random.Chance(_faultMix.DriftAtEdgeProbability))
        {
            return _random.Chance(0.5) ? TimeUnitsPerTick : slowest;
        }

        return _random.NextInclusive(TimeUnitsPerTick, slowest);
    }

    private void CoreFailure(SimNode node, Exception exception)
    {
        var what = exception is HalonInvariantException ? exception.Message : $"{node.Id}: the core threw {exception.GetType().Name}: {exception.Message}";
        _monitor.Report(Invariant.CoreAssertion, what);
        Crash(node, "core assertion: " + what);
    }

    private void Crash(SimNode node, string reason)
    {
        if (node.Node is null)
        {
            return;
        }

        _crashes++;
        // Always: the batch that crashed may have stopped the coordinator in memory, and its effects were never seen.
        _monitor.ObserveCoordinatorStopped(node.Id);

        node.Node = null;
        node.Generation++;
        node.LastState = SupervisorState.None;
        node.LastTerm = 0;
        node.LastConfig = null;
        node.LastConfigIndex = 0;
        node.LeadingTerm = 0;
        node.Dormant = false;
        node.PausedUntil = 0;
        node.MissedTicks = 0;
        SetAcknowledged(node, false);
        Log(node, $"crashed ({reason})");
        Timeline?.Node(NowTicks, node.Id, Halon.Simulation.Timeline.TimelineEventKind.Crash, reason);
    }

    private void ScheduleRestart(SimNode node) =>
        Schedule(new SimEvent { Time = _now + (_random.NextInclusive(1, Math.Max(1, _faults.RestartDelayTicksMax)) * TimeUnitsPerTick), Kind = EventKind.Restart, Node = node.Index });

    private void Restart(SimNode node, string reason)
    {
        if (node.Node is not null)
        {
            return;
        }

        var persisted = node.Disk.Read();
        try
        {
            node.Node = new HalonNode(node.Id, _protocol, node.Random, node.Facts, persisted);
        }
        catch (ArgumentException exception)
        {
            _monitor.Report(Invariant.CoreAssertion, $"{node.Id} cannot restart from its persisted state: {exception.Message}");
            return;
        }

        _monitor.ObserveRestored(node.Id, persisted.Log, persisted.HardState.CommitIndex, persisted.HardState.Term, persisted.Snapshot);
        ObserveRestoredRemovals(persisted);
        node.TickDueTimes.Clear();
        node.TickDueTimes.Add(_now);
        node.EchoedTerm = 0;
        node.HighestEpochDelivered = 0;
        if (persisted.Role.Role == NodeRole.Station)
        {
            _monitor.ObserveStationStart(node.Id, node.Generation);
        }

        Log(node, reason);
        Timeline?.Node(NowTicks, node.Id, Halon.Simulation.Timeline.TimelineEventKind.Restart, reason);
        Schedule(new SimEvent { Time = _now + node.TickPeriod, Kind = EventKind.Tick, Node = node.Index, Generation = node.Generation, Token = node.TickToken });
        Drain(node);
        ResumeRemoved(node);
    }

    private void Hash(int kind, int node, int from, int code)
    {
        var hash = _traceHash;
        hash = (hash ^ (ulong)_now) * FnvPrime;
        hash = (hash ^ (ulong)((kind << 24) | (node << 12) | from)) * FnvPrime;
        _traceHash = (hash ^ (ulong)code) * FnvPrime;
    }

    private static int MessageCode(Message message) => message switch
    {
        AppendEntries append => 1 | (int)(append.Term << 4),
        AppendEntriesResponse response => 2 | (int)(response.Term << 4),
        VoteRequest request => 3 | (int)(request.Term << 4),
        VoteResponse response => 4 | (int)(response.Term << 4),
        PeerProbe => 5,
        PeerProbeReply => 6,
        NodeUp up => 7 | (int)(up.Incarnation << 4),
        NodeUpAck ack => 8 | (int)(ack.Epoch << 4),
        NodeUpRedirect => 9,
        NodeUpOutdated outdated => 10 | (int)(outdated.RecordedIncarnation << 4),
        InstallSnapshot install => 11 | (int)(install.Offset << 4),
        InstallSnapshotResponse response => 12 | (int)(response.NextOffset << 4),
        _ => 0,
    };

    private void Log(SimNode node, string text) => _log?.Invoke($"{NowTicks,9:0.000} {node.Id.Host,-4} {text}");
}
