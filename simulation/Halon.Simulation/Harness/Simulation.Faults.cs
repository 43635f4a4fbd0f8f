using Halon.Core;
using Halon.Simulation.Checking;

namespace Halon.Simulation.Harness;

/// <summary>The nemesis: crashes, pauses, partitions, clock bumps and coordinator crashes during the fault phase; then the heal.</summary>
public sealed partial class Simulation
{
    private readonly NetworkCuts _cuts;
    private bool _partitioned;
    private long _satelliteTrials;
    private long? _nextSatelliteCrashTrial;
    private long? _nextSatellitePauseTrial;

    private void ScheduleNemesis()
    {
        Schedule(new SimEvent { Time = TimeUnitsPerTick, Kind = EventKind.Nemesis, Action = NemesisTick });
        if (_faultMix.PartitionIntervalTicksMean > 0)
        {
            ScheduleAction(DrawPartitionInterval(), StartPartition);
        }

        ScheduleLeaseNemesis();
        ScheduleRemovals();
        ScheduleMembershipChanges();
    }

    private long DrawPartitionInterval() => _now + (long)(_faultMix.PartitionIntervalTicksMean * _random.Uniform(0.5, 1.5) * TimeUnitsPerTick);

    private void NemesisTick()
    {
        if (_healed)
        {
            return;
        }

        var perNode = _lazySatelliteTicks ? _stationNodes : _nodes.Length;
        for (var i = 0; i < perNode; i++)
        {
            var node = _nodes[i];
            if (node.Node is null)
            {
                continue;
            }

            if (_random.Chance(_faults.CrashProbabilityPerTick))
            {
                Crash(node, "killed by the nemesis");
                ScheduleRestart(node);
            }
            else if (node.PausedUntil == 0 && _random.Chance(_faults.PauseProbabilityPerTick))
            {
                PauseByNemesis(node);
            }
        }

        if (_lazySatelliteTicks)
        {
            SatelliteFaultsThisTick();
        }

        if (_faults.CoordinatorCrashProbabilityPerTick > 0 && _random.Chance(_faults.CoordinatorCrashProbabilityPerTick))
        {
            foreach (var node in _nodes)
            {
                if (node.Node is { CoordinatorRunning: true } && node.PausedUntil == 0)
                {
                    node.Node.CrashCoordinator();
                    Drain(node);
                }
            }
        }

        if (_faults.ClockDrift && _random.Chance(0.02))
        {
            var node = _nodes[_random.Next(_nodes.Length)];
            Wake(node); // The ticks that fell due at the old period first.
            node.TickPeriod = DrawTickPeriod();
        }

        Schedule(new SimEvent { Time = _now + TimeUnitsPerTick, Kind = EventKind.Nemesis, Action = NemesisTick });
    }

    /// <summary>A pause of up to the mix's longest; a sleeping satellite first has the ticks that fell due before it.</summary>
    private void PauseByNemesis(SimNode node)
    {
        Wake(node); // The ticks during the stall are missed, as a stopped process misses them.
        if (node.Node is null)
        {
            return;
        }

        node.PausedUntil = _now + (_random.NextInclusive(1, _faults.PauseTicksMax) * TimeUnitsPerTick);
        Schedule(new SimEvent { Time = node.PausedUntil, Kind = EventKind.Resume, Node = node.Index, Generation = node.Generation });
        Log(node, $"paused until tick {(double)node.PausedUntil / TimeUnitsPerTick:0.000}");
        Timeline?.Node(NowTicks, node.Id, Halon.Simulation.Timeline.TimelineEventKind.Pause);
    }

    /// <summary>
    /// With lazy satellite ticks (a hundred thousand satellites), the satellites' crashes and pauses of this tick: the
    /// same chances per satellite per tick as the loop above gives each peer, but drawn as the gaps between hits over
    /// the sequence of (tick, satellite) trials, so a tick costs the hits, not a draw per satellite.
    /// </summary>
    private void SatelliteFaultsThisTick()
    {
        var first = _stationNodes;
        var end = _satelliteTrials + (_nodes.Length - first);
        _nextSatelliteCrashTrial ??= _random.NextHitFrom(_satelliteTrials, _faults.CrashProbabilityPerTick);
        _nextSatellitePauseTrial ??= _random.NextHitFrom(_satelliteTrials, _faults.PauseProbabilityPerTick);
        while (_nextSatelliteCrashTrial < end)
        {
            var node = _nodes[first + (int)(_nextSatelliteCrashTrial.Value - _satelliteTrials)];
            if (node.Node is not null)
            {
                Crash(node, "killed by the nemesis");
                ScheduleRestart(node);
            }

            _nextSatelliteCrashTrial = _random.NextHitFrom(_nextSatelliteCrashTrial.Value + 1, _faults.CrashProbabilityPerTick);
        }

        while (_nextSatellitePauseTrial < end)
        {
            var node = _nodes[first + (int)(_nextSatellitePauseTrial.Value - _satelliteTrials)];
            _nextSatellitePauseTrial = _random.NextHitFrom(_nextSatellitePauseTrial.Value + 1, _faults.PauseProbabilityPerTick);
            if (node.Node is null || node.PausedUntil != 0)
            {
                continue;
            }

            PauseByNemesis(node);
        }

        _satelliteTrials = end;
    }

    private void StartPartition()
    {
        if (_healed)
        {
            return;
        }

        var kinds = Enum.GetValues<PartitionKinds>().Where(k => k != PartitionKinds.None && _faultMix.PartitionKinds.HasFlag(k)).ToArray();
        var kind = kinds[_random.Next(kinds.Length)];
        _cuts.Clear();
        var description = BuildPartition(kind);
        _partitioned = true;
        _log?.Invoke($"{NowTicks,9:0.000} net  partition: {description}");
        Timeline?.Network(NowTicks, Halon.Simulation.Timeline.TimelineEventKind.Partition, description);
        ScheduleAction(DrawPartitionInterval(), EndPartition);
    }

    private void EndPartition()
    {
        if (_healed)
        {
            return;
        }

        ClearPartition();
        ScheduleAction(DrawPartitionInterval(), StartPartition);
    }

    private void ClearPartition()
    {
        _cuts.Clear();
        _partitioned = false;
        _log?.Invoke($"{NowTicks,9:0.000} net  partition healed");
        Timeline?.Network(NowTicks, Halon.Simulation.Timeline.TimelineEventKind.PartitionHealed);
    }

    private string BuildPartition(PartitionKinds kind)
    {
        var peers = _stationNodes;
        var sideA = new bool[_nodes.Length];
        switch (kind)
        {
            case PartitionKinds.Halves:
            case PartitionKinds.Asymmetric:
            {
                RandomSides(sideA);
                _cuts.CutWhere((from, to) => (sideA[from] && !sideA[to]) || (!sideA[from] && sideA[to] && kind == PartitionKinds.Halves));

                return $"{(kind == PartitionKinds.Halves ? "halves" : "one-way halves")} {Describe(sideA, true)} | {Describe(sideA, false)}";
            }

            case PartitionKinds.Bridge:
            {
                RandomSides(sideA);
                var bridge = _random.Next(peers);
                _cuts.CutWhere((from, to) => from != bridge && to != bridge && sideA[from] != sideA[to]);

                return $"bridge {_nodes[bridge].Id.Host} between {Describe(sideA, true)} | {Describe(sideA, false)}";
            }

            case PartitionKinds.MajorityRing:
            {
                var reach = Quorum.MajorityOf(peers) / 2; // itself plus reach each way is a majority
                for (var from = 0; from < peers; from++)
                {
                    for (var to = 0; to < peers; to++)
                    {
                        var distance = Math.Abs(from - to);
                        distance = Math.Min(distance, peers - distance);
                        if (distance > reach)
                        {
                            Block(from, to);
                        }
                    }
                }

                return $"majority ring (each peer sees its {reach} nearest neighbours each way)";
            }

            case PartitionKinds.IsolateMaster:
            case PartitionKinds.IsolateNode:
            default:
            {
                var victim = kind == PartitionKinds.IsolateMaster ? CurrentMaster() : -1;
                victim = victim >= 0 ? victim : _random.Next(_nodes.Length);
                for (var other = 0; other < _nodes.Length; other++)
                {
                    if (other != victim)
                    {
                        Block(victim, other);
                        Block(other, victim);
                    }
                }

                return $"isolated {_nodes[victim].Id.Host}{(kind == PartitionKinds.IsolateMaster ? " (master)" : string.Empty)}";
            }
        }
    }

    private void RandomSides(bool[] sideA)
    {
        var peers = _stationNodes;
        var cut = peers == 1 ? 1 : 1 + _random.Next(peers - 1);
        var order = Enumerable.Range(0, peers).ToArray();
        for (var i = order.Length - 1; i > 0; i--)
        {
            var j = _random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        for (var i = 0; i < cut; i++)
        {
            sideA[order[i]] = true;
        }

        for (var i = peers; i < sideA.Length; i++)
        {
            sideA[i] = _random.Chance(0.5);
        }
    }

    private string Describe(bool[] sideA, bool side) =>
        string.Join(' ', Enumerable.Range(0, _stationNodes).Where(i => sideA[i] == side).Select(i => _nodes[i].Id.Host));

    private void Block(int from, int to) => _cuts.Set(from, to, true);

    private int CurrentMaster()
    {
        for (var i = 0; i < _stationNodes; i++)
        {
            if (_nodes[i].Node is { State: SupervisorState.Master })
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Faults stop: the network is made whole, crashed nodes restart, paused ones resume.</summary>
    private void Heal()
    {
        _healed = true;
        _faults = FaultOptions.None;
        DisarmTargeted();
        if (_partitioned)
        {
            ClearPartition();
        }

        _log?.Invoke($"{NowTicks,9:0.000} net  HEAL: faults stop; every node is restarted or resumed");
        Timeline?.Network(NowTicks, Halon.Simulation.Timeline.TimelineEventKind.Heal);
        foreach (var node in _nodes)
        {
            if (node.Node is null)
            {
                Restart(node, "restarted at the heal");
            }
            else if (node.PausedUntil > _now)
            {
                node.PausedUntil = _now;
                Schedule(new SimEvent { Time = _now, Kind = EventKind.Resume, Node = node.Index, Generation = node.Generation });
            }
        }

        if (_monitor.CoordinatorsRunning > 0 && _coordinatorAfterHealAt < 0)
        {
            _coordinatorAfterHealAt = _now;
        }

        if (_satellitesAcknowledged == _options.Satellites && _allAcknowledgedAfterHealAt < 0)
        {
            _allAcknowledgedAfterHealAt = _now;
        }
    }

    private void CheckCoordinatorLiveness()
    {
        if (_coordinatorAfterHealAt < 0)
        {
            _monitor.Report(Invariant.Liveness, $"no coordinator within {_livenessCoordinatorTicksMax} ticks of the heal at tick {(double)_healAt / TimeUnitsPerTick:0}; {StationSummary()}");
        }
    }

    private void CheckAcknowledgedLiveness()
    {
        if (_allAcknowledgedAfterHealAt < 0)
        {
            var missing = _nodes.Where(n => !n.IsPeer && !n.AcknowledgedCurrent).Select(n => n.Id.Host).Take(10);
            _monitor.Report(Invariant.Liveness, $"{_options.Satellites - _satellitesAcknowledged} satellites not acknowledged within {_livenessAcknowledgedTicksMax} ticks of the heal (e.g. {string.Join(' ', missing)}); {StationSummary()}");
        }
    }

    private void FinalChecks()
    {
        var end = _options.Ticks * TimeUnitsPerTick;
        var coordinatorCheckAt = _healAt + (_livenessCoordinatorTicksMax * TimeUnitsPerTick);
        if (_options.AutoBootstrap && end >= coordinatorCheckAt && _monitor.CoordinatorsRunning == 0 && _monitor.Violations.Count == 0)
        {
            _monitor.Report(Invariant.Liveness, $"no coordinator running at the end of a healed run; {StationSummary()}");
        }

        if (_options.AutoBootstrap && end >= coordinatorCheckAt && _monitor.Violations.Count == 0)
        {
            CheckMembershipSettled();
        }
    }

    private string StationSummary() =>
        string.Join(", ", _nodes.Where(n => n.IsPeer).Select(n => n.Node is null
            ? $"{n.Id.Host} down"
            : $"{n.Id.Host} {Core.Status.NodeStatus.StateText(n.Node.State)} t{n.Node.Term}{(n.Node.CoordinatorRunning ? " RC" : string.Empty)}{MembershipSummary(n)}"));

    /// <summary>With spares: how the node sees itself in its configuration, and that configuration's index.</summary>
    private string MembershipSummary(SimNode node) =>
        _stationNodes == _options.Peers || node.Node is not { Configuration: { } config } protocolNode
            ? string.Empty
            : $" {(protocolNode.LeftTheStation ? "left" : config.IsVoter(node.Id) ? "voter" : config.IsLearner(node.Id) ? "learner" : "outside")}@{protocolNode.ConfigurationIndex}";
}
