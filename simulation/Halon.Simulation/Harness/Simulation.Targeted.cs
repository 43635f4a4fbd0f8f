using Halon.Core;
using Halon.Core.Messages;
using Halon.Core.Protocol;

namespace Halon.Simulation.Harness;

/// <summary>
/// The targeted nemesis (<see cref="LeaseScenarios"/>): schedules built around the master, its lease and its
/// majority, started at moments chosen by what the cluster is doing (right after an acknowledgement, while a lease
/// runs), so that a fair share of every run is spent where the lease argument is tight.
/// </summary>
public sealed partial class Simulation
{
    private long _lateCopiesUntil;
    private double _lateCopyProbability;

    private void ScheduleLeaseNemesis()
    {
        if (_faultMix.LeaseScenarioIntervalTicksMean > 0 && _faultMix.LeaseScenarios != LeaseScenarios.None)
        {
            ScheduleAction(DrawScenarioTime(), RunLeaseScenario);
        }
    }

    private long DrawScenarioTime() => _now + (long)(_faultMix.LeaseScenarioIntervalTicksMean * _random.Uniform(0.5, 1.5) * TimeUnitsPerTick);

    private void RunLeaseScenario()
    {
        if (_healed)
        {
            return;
        }

        var enabled = Enum.GetValues<LeaseScenarios>().Where(s => s is not (LeaseScenarios.None or LeaseScenarios.All) && _faultMix.LeaseScenarios.HasFlag(s)).ToArray();
        var scenario = enabled[_random.Next(enabled.Length)];
        switch (scenario)
        {
            case LeaseScenarios.MajorityShift:
                StartMajorityShift();
                break;
            case LeaseScenarios.CrashAfterAcknowledgement:
                ArmCrashAfterAcknowledgement(_nodes[_random.Next(_stationNodes)], null);
                break;
            case LeaseScenarios.PauseAtLeaseEdge:
                PauseMasterAtLeaseEdge();
                break;
            case LeaseScenarios.LateCopies:
                _lateCopiesUntil = _now + (_random.NextInclusive(5, 40) * TimeUnitsPerTick);
                _lateCopyProbability = _random.Uniform(0.2, 1);
                _log?.Invoke($"{NowTicks,9:0.000} net  late copies until tick {(double)_lateCopiesUntil / TimeUnitsPerTick:0.000} ({_lateCopyProbability:P0} of messages with a term or an epoch)");
                break;
            case LeaseScenarios.MasterCrashAfterAppend:
                if (CurrentMaster() is var master and >= 0)
                {
                    _nodes[master].CrashAfterNextAppend = true;
                    _nodes[master].ArmedRestartDelayTicks = _random.Uniform(0, 10);
                }

                break;
            case LeaseScenarios.MasterCrashAfterCommit:
                if (CurrentMaster() is var committing and >= 0)
                {
                    _nodes[committing].CrashAfterNextCommit = true;
                    _nodes[committing].ArmedRestartDelayTicks = _random.Uniform(5, 60);
                }

                break;
            case LeaseScenarios.Figure8:
                StartFigure8();
                break;
            case LeaseScenarios.StaleAcknowledgement:
                StartStaleAcknowledgement();
                break;
            case LeaseScenarios.IsolateMasterBriefly:
                IsolateMasterBriefly();
                break;
            case LeaseScenarios.ReinstallSatellite:
                ReinstallSatellite();
                break;
            default:
                break;
        }

        ScheduleAction(DrawScenarioTime(), RunLeaseScenario);
    }

    /// <summary>
    /// The master keeps a bare majority; a follower on its side crashes right after its next acknowledgement, restarts
    /// within 0–4 ticks, and finds itself on the other side, where it can complete a new majority.
    /// </summary>
    private void StartMajorityShift()
    {
        var master = CurrentMaster();
        if (master < 0 || _nodes[master].Node?.Configuration is not { } config || !config.IsVoter(_nodes[master].Id) || config.Voters.Count < 3)
        {
            return;
        }

        // The voters of the master's configuration; other station nodes (spares, learners) are on neither side.
        var followers = config.Voters.Members.Select(v => _indexOf[v]).Where(i => i != master).ToArray();
        Shuffle(followers);
        var side = followers.Take(Quorum.MajorityOf(config.Voters.Count) - 1).ToList();
        var rest = followers.Skip(side.Count).ToList();
        SetGroups([[master, .. side], [.. rest]], "majority shift: the master keeps a bare majority");
        var victim = _nodes[side[_random.Next(side.Count)]];
        var armAt = _now + (_random.NextInclusive(2, 20) * TimeUnitsPerTick);
        ScheduleAction(armAt, () => ArmCrashAfterAcknowledgement(victim, () =>
        {
            if (!_healed)
            {
                SetGroups([[master, .. side.Where(i => i != victim.Index)], [.. rest, victim.Index]], $"majority shift: {victim.Id.Host} moves to the other side");
                ScheduleAction(_now + (_random.NextInclusive(2, 6) * _protocol.ElectionTimeoutTicks * TimeUnitsPerTick), EndTargetedPartition);
            }
        }));
    }

    /// <summary>Plays Raft's Figure 8 (see <see cref="LeaseScenarios.Figure8"/>) from the current master.</summary>
    private void StartFigure8()
    {
        var master = CurrentMaster();
        if (master < 0 || _stationNodes < 3 || _options.Satellites == 0)
        {
            return;
        }

        var first = _nodes[master];
        var others = Enumerable.Range(0, _stationNodes).Where(i => i != master).Select(i => _nodes[i]).ToArray();
        first.CrashAfterNextAppend = true;
        first.ArmedRestartDelayTicks = _random.Uniform(3, 6) * _protocol.ElectionTimeoutTicks;
        first.OnArmedRestart = () =>
        {
            // Back, and likely elected again: its next commit is its last.
            first.CrashAfterNextCommit = true;
            first.ArmedRestartDelayTicks = _random.Uniform(1, 3) * _protocol.ElectionTimeoutTicks;
            first.OnArmedRestart = null;
        };

        // The next master among the others crashes right after its first append, and comes back after the first.
        foreach (var other in others)
        {
            other.CrashAfterNextAppend = true;
            other.ArmedAsNextMaster = true;
            other.ArmedRestartDelayTicks = _random.Uniform(6, 9) * _protocol.ElectionTimeoutTicks;
            other.OnArmedRestart = null;
        }

        // A satellite restarts, so the master has an entry to append.
        var satellite = _nodes[_stationNodes + _random.Next(_options.Satellites)];
        Crash(satellite, "restarted to make the master append (targeted)");
        ScheduleRestartIn(satellite, 0);
        _log?.Invoke($"{NowTicks,9:0.000} net  figure 8 from {first.Id.Host}");
    }

    private void ArmCrashAfterAcknowledgement(SimNode node, Action? then)
    {
        if (node.Node is null)
        {
            return;
        }

        node.CrashAfterNextAcknowledgement = true;
        node.ArmedRestartDelayTicks = _random.Uniform(0, 4);
        node.OnArmedCrash = then;
    }

    /// <summary>Runs at the end of a drain whose batch acknowledged something, when a crash was armed.</summary>
    private void CrashAfterAcknowledgement(SimNode node)
    {
        var then = node.OnArmedCrash;
        node.CrashAfterNextAcknowledgement = false;
        node.OnArmedCrash = null;
        if (_healed)
        {
            return;
        }

        Crash(node, "crashed right after acknowledging (targeted)");
        ScheduleRestartIn(node, node.ArmedRestartDelayTicks);
        then?.Invoke();
    }

    /// <summary>Runs in a drain after persisting entries, before sending, when a crash was armed on the master.</summary>
    private void CrashAfterAppend(SimNode node)
    {
        node.CrashAfterNextAppend = false;
        Crash(node, "crashed right after appending, before replicating (targeted)");
        ScheduleRestartIn(node, node.ArmedRestartDelayTicks);
        if (node.ArmedAsNextMaster)
        {
            // One master of a group armed together is enough (Figure 8 arms every follower for the next master).
            foreach (var other in _nodes.Where(n => n.ArmedAsNextMaster))
            {
                other.ArmedAsNextMaster = false;
                other.CrashAfterNextAppend = false;
            }
        }
    }

    /// <summary>Runs in a drain after persisting a commit advance, before sending, when a crash was armed on the master.</summary>
    private void CrashAfterCommit(SimNode node)
    {
        node.CrashAfterNextCommit = false;
        Crash(node, "crashed right after committing, before telling anyone (targeted)");
        ScheduleRestartIn(node, node.ArmedRestartDelayTicks);
    }

    private void ScheduleRestartIn(SimNode node, double ticks)
    {
        Schedule(new SimEvent { Time = _now + Math.Max(1, (long)(ticks * TimeUnitsPerTick)), Kind = EventKind.Restart, Node = node.Index });
        if (node.OnArmedRestart is { } then)
        {
            ScheduleAction(_now + Math.Max(1, (long)(ticks * TimeUnitsPerTick)) + 1, () =>
            {
                if (!_healed && node.Node is not null)
                {
                    then();
                }
            });
        }
    }

    private void PauseMasterAtLeaseEdge()
    {
        var master = CurrentMaster();
        if (master < 0 || _nodes[master].PausedUntil != 0)
        {
            return;
        }

        var node = _nodes[master];
        var ticks = _random.Uniform(Math.Max(1, _protocol.LeaseTicks - 2), _protocol.ElectionTimeoutTicks + 3);
        node.PausedUntil = _now + (long)(ticks * TimeUnitsPerTick);
        Schedule(new SimEvent { Time = node.PausedUntil, Kind = EventKind.Resume, Node = node.Index, Generation = node.Generation });
        Log(node, $"paused at the lease edge until tick {(double)node.PausedUntil / TimeUnitsPerTick:0.000} (targeted)");
    }

    private void IsolateMasterBriefly()
    {
        var master = CurrentMaster();
        if (master < 0)
        {
            return;
        }

        SetGroups([[master], [.. Enumerable.Range(0, _nodes.Length).Where(i => i != master)]], $"{_nodes[master].Id.Host} (master) isolated briefly");
        var e = _protocol.ElectionTimeoutTicks;
        ScheduleAction(_now + (long)(_random.Uniform(e / 2.0, 2.0 * e) * TimeUnitsPerTick), EndTargetedPartition);
    }

    private void EndTargetedPartition()
    {
        if (!_healed && _partitioned)
        {
            ClearPartition();
        }
    }

    /// <summary>See <see cref="LeaseScenarios.StaleAcknowledgement"/>.</summary>
    private void StartStaleAcknowledgement()
    {
        if (_options.Satellites == 0 || CurrentMaster() < 0)
        {
            return;
        }

        var satellite = _nodes[_stationNodes + _random.Next(_options.Satellites)];
        if (satellite.Node is not { Role: NodeRole.Satellite } core)
        {
            return;
        }

        // Its announcement of the incarnation it has now, which the peers will receive again, late, several times.
        var previous = new NodeUp(satellite.Id, satellite.Id, core.Incarnation, satellite.Facts) { InstallId = core.InstallId };
        var master = _nodes[CurrentMaster()];
        Crash(satellite, "restarted (targeted: old news across a failover)");
        ScheduleRestartIn(satellite, 0);
        // The current master's acknowledgements reach it late; those of any later master later still.
        var delay = _random.Uniform(40, 80);
        var fromMaster = new MessageRule(nameof(NodeUpAck), master.Id.Host, satellite.Id.Host, delay, int.MaxValue);
        var fromOthers = new MessageRule(nameof(NodeUpAck), null, satellite.Id.Host, delay + 40, int.MaxValue);
        _rules.Add(fromMaster);
        _rules.Add(fromOthers);
        ScheduleAction(_now + (30 * TimeUnitsPerTick), () => _rules.Remove(fromMaster));
        ScheduleAction(_now + (120 * TimeUnitsPerTick), () => _rules.Remove(fromOthers));
        foreach (var lateTicks in new[] { 20, 30, 40, 50, 60 })
        {
            var lateAt = _now + ((lateTicks + _random.NextInclusive(0, 9)) * TimeUnitsPerTick);
            for (var peer = 0; peer < _stationNodes; peer++)
            {
                Schedule(new SimEvent { Time = lateAt, Kind = EventKind.Deliver, Node = peer, Message = previous with { To = _nodes[peer].Id } });
            }
        }

        ScheduleAction(_now + (_random.NextInclusive(3, 10) * TimeUnitsPerTick), IsolateMasterBriefly);
        _log?.Invoke($"{NowTicks,9:0.000} net  old news for {satellite.Id.Host}: acknowledgements to it held back {delay:0} ticks, and more from a later master");
    }

    private void ReinstallSatellite()
    {
        if (_options.Satellites == 0)
        {
            return;
        }

        var node = _nodes[_stationNodes + _random.Next(_options.Satellites)];
        Crash(node, "reinstalled: its data dir is lost (targeted)");
        node.Disk.Wipe();
        var restartAt = _now + (_random.NextInclusive(1, 20) * TimeUnitsPerTick);
        Schedule(new SimEvent { Time = restartAt, Kind = EventKind.Restart, Node = node.Index });
        ScheduleAction(restartAt + (_random.NextInclusive(1, 10) * TimeUnitsPerTick), () => Command(node, _satelliteStation));
    }

    /// <summary>Whether <paramref name="message"/> gets a late copy: it carries a term or an epoch, and late copies are on.</summary>
    private bool TakesLateCopy(Message message) =>
        _now < _lateCopiesUntil && !_healed && message is (StationMessage and not PeerProbe) or NodeUp or NodeUpAck or NodeUpOutdated or NodeUpRedirect && _random.Chance(_lateCopyProbability);

    private void SetGroups(int[][] groups, string description)
    {
        if (_healed)
        {
            // A targeted partition scheduled before the heal (the brief isolation that follows old news) must not
            // start after it: nothing would end it, and the run would judge liveness across a partition it promised
            // was over.
            return;
        }

        _cuts.Clear();
        var groupOf = new int[_nodes.Length];
        Array.Fill(groupOf, -1);
        for (var g = 0; g < groups.Length; g++)
        {
            foreach (var index in groups[g])
            {
                groupOf[index] = g;
            }
        }

        _cuts.CutWhere((from, to) => groupOf[from] >= 0 && groupOf[to] >= 0 && groupOf[from] != groupOf[to]);

        _partitioned = true;
        _log?.Invoke($"{NowTicks,9:0.000} net  partition: {description}: {string.Join(" | ", groups.Select(g => string.Join(' ', g.Select(i => _nodes[i].Id.Host))))}");
    }

    private void Shuffle(int[] items)
    {
        for (var i = items.Length - 1; i > 0; i--)
        {
            var j = _random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>At the heal every targeted fault is disarmed.</summary>
    private void DisarmTargeted()
    {
        _lateCopiesUntil = 0;
        if (_options.AutoBootstrap)
        {
            _rules.Clear(); // The nemesis' holds; a script's own rules stay.
        }

        foreach (var node in _nodes)
        {
            node.CrashAfterNextAcknowledgement = false;
            node.CrashAfterNextAppend = false;
            node.CrashAfterNextCommit = false;
            node.OnArmedCrash = null;
            node.OnArmedRestart = null;
            node.ArmedAsNextMaster = false;
        }
    }
}
