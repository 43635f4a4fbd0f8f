using Halon.Core;
using Halon.Core.Identity;
using Halon.Core.Protocol;

namespace Halon.Simulation.Harness;

/// <summary>Direct control of a simulation, for interaction scripts and tests.</summary>
public sealed partial class Simulation
{
    /// <summary>A script's cluster: no automatic bootstrap, no faults, no liveness deadlines.</summary>
    public static Simulation ForScript(int peers, int satellites, ulong seed, Action<string> log, ProtocolOptions? protocol = null, int spares = 0) =>
        new(new SimulationOptions { Seed = seed, Peers = peers, Spares = spares, Satellites = satellites, Ticks = int.MaxValue / (int)TimeUnitsPerTick, AutoBootstrap = false, Protocol = protocol ?? ProtocolOptions.Default }, log);

    /// <summary>The initial peer set: the station peers the cluster is bootstrapped with (spares are not among them).</summary>
    public PeerSet AllPeers => _initialPeers;

    /// <summary>The station list satellites are bootstrapped with: the initial peers and the spares.</summary>
    public PeerSet SatelliteStation => _satelliteStation;

    /// <summary>Advances virtual time by <paramref name="ticks"/>.</summary>
    public void RunTicks(double ticks) => RunUntil(_now + (long)(ticks * TimeUnitsPerTick));

    /// <summary>Processes events until <paramref name="condition"/> holds or <paramref name="ticksMax"/> pass; returns whether it held.</summary>
    public bool RunUntilCondition(Func<bool> condition, double ticksMax)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var deadline = _now + (long)(ticksMax * TimeUnitsPerTick);
        while (!condition())
        {
            if (_queue.Count == 0 || _queue.PeekTime() > deadline)
            {
                _now = deadline;
                return false;
            }

            Dispatch(_queue.Pop());
        }

        return true;
    }

    /// <summary>Messages sent so far.</summary>
    public long MessagesSent => _sent;

    /// <summary>Whether a coordinator runs anywhere.</summary>
    public bool CoordinatorRunning => _nodes.Any(n => n.Node is { CoordinatorRunning: true });

    /// <summary>Whether every satellite's current incarnation is acknowledged.</summary>
    public bool AllSatellitesAcknowledged => _satellitesAcknowledged == _options.Satellites;

    /// <summary>The name of the current master, or null.</summary>
    public string? MasterName => CurrentMaster() is var index and >= 0 ? _nodes[index].Id.Host : null;

    /// <summary>Runs <c>BecomeStationPeer</c> on <paramref name="name"/> with <paramref name="peers"/>; returns the command's message.</summary>
    public string BootstrapStation(string name, PeerSet peers)
    {
        var node = Find(name);
        if (node.Node is null)
        {
            return $"{name} is down";
        }

        var result = node.Node.BecomeStationPeer(peers);
        Drain(node);
        return (result.Succeeded ? "ok: " : "refused: ") + result.Message;
    }

    /// <summary>Runs <c>BecomeSatellite</c> on <paramref name="name"/> with the station of all peers.</summary>
    public string BootstrapSatellite(string name)
    {
        var node = Find(name);
        if (node.Node is null)
        {
            return $"{name} is down";
        }

        Wake(node);
        var result = node.Node!.BecomeSatellite(_satelliteStation);
        Drain(node);
        return (result.Succeeded ? "ok: " : "refused: ") + result.Message;
    }

    /// <summary>
    /// Tells <paramref name="name"/> to join the station (<c>JoinStation</c>, with its cluster id and timing), naming
    /// <paramref name="contacts"/> (by default the current voters, itself left out); returns the command's message.
    /// </summary>
    public string JoinStation(string name, PeerSet? contacts = null)
    {
        var node = Find(name);
        if (node.Node is null)
        {
            return $"{name} is down";
        }

        var result = JoinNode(node, contacts);
        return result is null ? "the core threw" : (result.Succeeded ? "ok: " : "refused: ") + result.Message;
    }

    /// <summary>
    /// Asks <paramref name="at"/> (by default the master) to make <paramref name="change"/>, once, as
    /// <c>halonctl station add|remove|replace</c> does; returns the outcome and its message.
    /// </summary>
    public string ChangeStation(MembershipChange change, string? at = null)
    {
        ArgumentNullException.ThrowIfNull(change);
        var node = Find(at ?? "master");
        if (node.Node is null)
        {
            return $"{node.Id.Host} is down";
        }

        MembershipResult result;
        try
        {
            result = node.Node.ChangeStation(change);
        }
        catch (Exception exception) when (exception is HalonInvariantException or ArgumentException or InvalidOperationException or IndexOutOfRangeException or NullReferenceException)
        {
            CoreFailure(node, exception);
            return $"the core threw: {exception.Message}";
        }

        Drain(node);
        return $"{result.Outcome}: {result.Message}";
    }

    /// <summary>
    /// Whether the current master's configuration has exactly the voters <paramref name="voters"/>, no learner, no
    /// retiring voter, and is committed: a change has finished.
    /// </summary>
    public bool StationSettledWith(IReadOnlyCollection<string> voters)
    {
        ArgumentNullException.ThrowIfNull(voters);
        return CurrentMasterNode() is { Configuration: { HasWorkLeft: false } config, ConfigurationChangeInFlight: false }
            && config.Voters.Count == voters.Count && voters.All(v => config.IsVoter(Find(v).Id));
    }

    /// <summary>Names of all nodes, or of all station-capable machines (the peers and the spares) or satellites.</summary>
    public IEnumerable<string> Names(bool? peers = null) =>
        _nodes.Where(n => peers is null || n.IsPeer == peers).Select(n => n.Id.Host);

    /// <summary>Names of the initial peers (without the spares).</summary>
    public IEnumerable<string> InitialPeerNames => _initialPeers.Members.Select(m => m.Host);

    /// <summary>Crashes a node (persisted state kept).</summary>
    public void CrashNode(string name) => Crash(Find(name), "crashed by the script");

    /// <summary>Restarts a crashed node from its persisted state.</summary>
    public void RestartNode(string name) => Restart(Find(name), "restarted from its persisted state");

    /// <summary>Crashes the coordinator process wherever it runs; its supervisor restarts it.</summary>
    public void CrashCoordinator()
    {
        foreach (var node in _nodes)
        {
            if (node.Node is { CoordinatorRunning: true })
            {
                node.Node.CrashCoordinator();
                Drain(node);
            }
        }
    }

    /// <summary>Cuts the network into <paramref name="groups"/>; nodes in no group see everyone.</summary>
    public void Partition(IReadOnlyList<IReadOnlyList<string>> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        _cuts.Clear();
        var groupOf = new int[_nodes.Length];
        Array.Fill(groupOf, -1);
        for (var g = 0; g < groups.Count; g++)
        {
            foreach (var name in groups[g])
            {
                groupOf[Find(name).Index] = g;
            }
        }

        _cuts.CutWhere((from, to) => groupOf[from] >= 0 && groupOf[to] >= 0 && groupOf[from] != groupOf[to]);

        _partitioned = true;
        _log?.Invoke($"{NowTicks,9:0.000} net  partition: {string.Join(" | ", groups.Select(g => string.Join(' ', g)))}");
    }

    /// <summary>Cuts <paramref name="name"/> off from every other node.</summary>
    public void Isolate(string name)
    {
        var victim = Find(name).Index;
        _cuts.Clear();
        for (var other = 0; other < _nodes.Length; other++)
        {
            if (other != victim)
            {
                Block(victim, other);
                Block(other, victim);
            }
        }

        _partitioned = true;
        _log?.Invoke($"{NowTicks,9:0.000} net  isolated {_nodes[victim].Id.Host}");
    }

    /// <summary>Makes the network whole again.</summary>
    public void HealNetwork() => ClearPartition();

    /// <summary>Changes the network's loss, duplication and delay knobs.</summary>
    public void SetNetwork(double packetLossProbability, double packetDuplicateProbability, double oneWayDelayTicksMax)
    {
        _faults = _faults with
        {
            PacketLossProbability = packetLossProbability,
            PacketDuplicateProbability = packetDuplicateProbability,
            OneWayDelayTicksMax = Math.Max(oneWayDelayTicksMax, _faults.OneWayDelayTicksMin),
        };
        _log?.Invoke($"{NowTicks,9:0.000} net  loss {packetLossProbability:0.##}, duplicate {packetDuplicateProbability:0.##}, delay ≤{oneWayDelayTicksMax:0.##} ticks");
    }

    /// <summary>One line per node: role, state, term, leader, coordinator, commit, satellites.</summary>
    public IEnumerable<string> StatusLines()
    {
        foreach (var node in _nodes)
        {
            if (node.Node is null)
            {
                yield return $"{node.Id.Host}: down";
                continue;
            }

            var status = node.Node.GetStatus();
            if (node.IsPeer)
            {
                var coordinator = status.Coordinator is null ? "none" : $"{NodeId.Parse(status.Coordinator.Node).Host}@{status.Coordinator.Epoch}";
                var acknowledged = status.Satellites.Count(s => s.Acknowledged);
                var configuration = _stationNodes == _options.Peers || node.Node.Configuration is not { } config
                    ? string.Empty
                    : $" config {ConfigText(config)}@{node.Node.ConfigurationIndex}{(node.Node.ConfigurationChangeInFlight ? " (uncommitted)" : string.Empty)}";
                yield return $"{node.Id.Host}: {status.Role} {status.State} term {status.Term} leader {(status.Leader is null ? "none" : NodeId.Parse(status.Leader).Host)} coordinator {coordinator} commit {status.CommitIndex}/{status.LastLogIndex} satellites {acknowledged}{configuration}";
            }
            else if (status.Announcer is { } announcer)
            {
                yield return $"{node.Id.Host}: satellite incarnation {announcer.Incarnation} {(announcer.Acknowledged ? $"acknowledged (epoch {announcer.Epoch})" : "announcing")}";
            }
            else
            {
                yield return $"{node.Id.Host}: {status.Role}";
            }
        }
    }

    /// <summary>A configuration with host names only: <c>p1,p2,p3;learners=p4;retiring=p3</c>.</summary>
    public static string ConfigText(StationConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        static string Names(IEnumerable<NodeId> nodes) => string.Join(',', nodes.Select(n => n.Host));
        var text = Names(config.Voters.Members);
        text += config.Learners.Count > 0 ? ";learners=" + Names(config.Learners) : string.Empty;
        return text + (config.Retiring.Count > 0 ? ";retiring=" + Names(config.Retiring) : string.Empty);
    }

    private SimNode Find(string name)
    {
        if (name == "master")
        {
            var master = CurrentMaster();
            return master >= 0 ? _nodes[master] : throw new ArgumentException("there is no master now");
        }

        return _nodes.FirstOrDefault(n => n.Id.Host == name) ?? throw new ArgumentException($"no node named '{name}'");
    }
}
