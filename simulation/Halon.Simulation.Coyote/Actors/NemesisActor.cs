using Halon.Core.Identity;
using Halon.Core.Protocol;
using Halon.Simulation.Coyote.Events;
using Halon.Simulation.Coyote.Monitors;
using Halon.Simulation.Coyote.Testing;
using Microsoft.Coyote.Actors;

namespace Halon.Simulation.Coyote.Actors;

/// <summary>
/// The nemesis. During the fault phase it spends its whole, bounded budget on faults of Coyote's choosing, at rounds of
/// Coyote's choosing: partitions (random halves, an isolated node, the isolated master, a one-way cut), clearing the
/// partition, a crash (restarted a few rounds later from the disk), a crash between persist and send, a pause (resumed
/// a few rounds later), and a crash of the coordinator process. Node faults strike the master or any node. It also
/// hands the network its message-fault budget. At the heal round it heals everything for good: the partition clears,
/// the network stops losing messages, crashed nodes restart and paused ones resume; it tells the Liveness monitor,
/// which turns hot until the cluster converges.
/// </summary>
internal sealed class NemesisActor : Actor
{
    private const int FaultKinds = 11;

    private readonly List<(int Round, NodeCommand Command)> _scheduled = new();
    private readonly List<(int Round, bool[] Blocked)> _scheduledPartitions = new();
    private CoyoteClusterOptions _options = new();
    private ActorId? _network;

    /// <summary>How many faults fall in each round of the fault phase (index 0 unused); they add up to the budget.</summary>
    private int[] _faultsInRound = Array.Empty<int>();

    /// <summary>How many changes of the station's peers fall in each round of the fault phase (index 0 unused).</summary>
    private int[] _changesInRound = Array.Empty<int>();

    private IReadOnlyList<NodeId> _ids = Array.Empty<NodeId>();

    /// <inheritdoc />
    protected override async Task OnInitializeAsync(Event initialEvent)
    {
        var setup = (NemesisSetup)initialEvent;
        _options = setup.Options;
        _network = setup.Network;
        _ids = Testing.CoyoteCluster.Ids(_options);
        while (await ReceiveEventAsync(typeof(NemesisTurn), typeof(Stop)) is NemesisTurn turn)
        {
            OnTurn(turn);
        }
    }

    private void OnTurn(NemesisTurn turn)
    {
        var round = turn.Round;
        var inputs = new List<NodeCommand>();
        bool[]? blocked = null;
        if (round == 1)
        {
            PlanFaults();
            PlanChanges();
        }

        if (round <= _options.FaultRounds)
        {
            TakeScheduled(round, inputs);
            blocked = TakeScheduledPartition(round);
            for (var i = 0; i < _faultsInRound[round]; i++)
            {
                blocked = Inject(round, turn.Master, inputs) ?? blocked;
            }

            for (var i = 0; i < _changesInRound[round]; i++)
            {
                ChangePeers(round, inputs);
            }
        }
        else if (round == _options.HealRound)
        {
            _scheduled.Clear();
            _scheduledPartitions.Clear();
            for (var node = 0; node < _options.Nodes; node++)
            {
                inputs.Add(new NodeCommand(node, NodeInputKind.Heal));
            }

            Monitor<Liveness>(new Healed(round));
        }

        inputs.AddRange(turn.Commands);
        SendEvent(_network!, new StartRound(round, turn.Clocks, turn.Ticked, inputs)
        {
            Blocked = blocked,
            Heal = round == _options.HealRound,
            MessageFaultBudget = round == 1 ? _options.MessageFaultBudget : null,
        });
    }

    private void TakeScheduled(int round, List<NodeCommand> inputs)
    {
        for (var i = 0; i < _scheduled.Count; i++)
        {
            if (_scheduled[i].Round == round)
            {
                inputs.Add(_scheduled[i].Command);
            }
        }

        _scheduled.RemoveAll(s => s.Round <= round);
    }

    /// <summary>
    /// Injects one fault. Half the node faults, and one of the partitions, aim at the master (as the network last saw
    /// it), because a fault anywhere else rarely forces a failover. Returns the new partition when the fault is one.
    /// </summary>
    private bool[]? Inject(int round, int master, List<NodeCommand> inputs)
    {
        var nodes = _options.Nodes;
        switch (RandomInteger(FaultKinds))
        {
            case 0:
                CoverageCounter.Partitioned();
                return Cut(RandomSides(), bothWays: true);
            case 1:
                CoverageCounter.Partitioned();
                return Cut(Alone(RandomInteger(nodes)), bothWays: true);
            case 2:
                CoverageCounter.Partitioned();
                return Cut(Alone(master >= 0 ? master : RandomInteger(nodes)), bothWays: true);
            case 3:
                CoverageCounter.Partitioned();
                return Cut(RandomSides(), bothWays: false);
            case 4:
                return new bool[nodes * nodes];
            case 5:
                CoverageCounter.Crashed();
                NodeFault(round, Victim(master), inputs, NodeInputKind.Crash, NodeInputKind.Restart, _options.RestartDelayRoundsMax);
                return null;
            case 6:
                CoverageCounter.Crashed();
                NodeFault(round, Victim(master), inputs, NodeInputKind.ArmPersistCrash, NodeInputKind.Restart, _options.RestartDelayRoundsMax);
                return null;
            case 7:
                CoverageCounter.Paused();
                NodeFault(round, Victim(master), inputs, NodeInputKind.Pause, NodeInputKind.Resume, _options.PauseRoundsMax);
                return null;
            case 8:
                // A peer crashes right after its next acknowledgement and comes back within a few rounds.
                NodeFault(round, RandomInteger(_options.StationNodes), inputs, NodeInputKind.ArmAcknowledgementCrash, NodeInputKind.Restart, AcknowledgementCrashRestartRoundsMax);
                return null;
            case 9:
                return MajorityShift(round, master, inputs);
            default:
                CoverageCounter.CoordinatorCrashed();
                for (var peer = 0; peer < _options.StationNodes; peer++)
                {
                    inputs.Add(new NodeCommand(peer, NodeInputKind.CrashCoordinator));
                }

                return null;
        }
    }

    /// <summary>Most rounds a node armed to crash right after acknowledging stays down.</summary>
    private const int AcknowledgementCrashRestartRoundsMax = 4;

    /// <summary>
    /// The master keeps a bare majority of the peers; one follower on its side is armed to crash right after its next
    /// acknowledgement, and a round later the partition moves it to the other side, where it can complete a new
    /// majority once it restarts, while the old master's lease may still rest on its acknowledgement.
    /// </summary>
    private bool[]? MajorityShift(int round, int master, List<NodeCommand> inputs)
    {
        var peers = _options.StationNodes;
        if (peers < 3)
        {
            return null;
        }

        CoverageCounter.MajorityShifted();
        var leader = master >= 0 && master < peers ? master : RandomInteger(peers);
        var sides = new bool[_options.Nodes];
        sides[leader] = true;
        var others = Enumerable.Range(0, peers).Where(p => p != leader).ToList();
        var victim = -1;
        for (var taken = 0; taken < (peers / 2); taken++)
        {
            var pick = others[RandomInteger(others.Count)];
            others.Remove(pick);
            sides[pick] = true;
            victim = victim < 0 || RandomBoolean() ? pick : victim;
        }

        inputs.Add(new NodeCommand(victim, NodeInputKind.ArmAcknowledgementCrash));
        Schedule(round + 1 + RandomInteger(AcknowledgementCrashRestartRoundsMax), victim, NodeInputKind.Restart);
        var shifted = (bool[])sides.Clone();
        shifted[victim] = false;
        if (round + 1 <= _options.FaultRounds)
        {
            _scheduledPartitions.Add((round + 1, Cut(shifted, bothWays: true)));
        }

        CoverageCounter.Partitioned();
        return Cut(sides, bothWays: true);
    }

    private bool[]? TakeScheduledPartition(int round)
    {
        bool[]? blocked = null;
        foreach (var (at, partition) in _scheduledPartitions)
        {
            blocked = at == round ? partition : blocked;
        }

        _scheduledPartitions.RemoveAll(p => p.Round <= round);
        return blocked;
    }

    /// <summary>The master or, by Coyote's choice, any node.</summary>
    private int Victim(int master) => master >= 0 && RandomBoolean() ? master : RandomInteger(_options.Nodes);

    /// <summary>Strikes <paramref name="victim"/> now, and undoes it within <paramref name="roundsMax"/> rounds.</summary>
    private void NodeFault(int round, int victim, List<NodeCommand> inputs, NodeInputKind fault, NodeInputKind undo, int roundsMax)
    {
        inputs.Add(new NodeCommand(victim, fault));
        Schedule(round + 1 + RandomInteger(roundsMax), victim, undo);
    }

    private bool[] Alone(int node)
    {
        var sides = new bool[_options.Nodes];
        sides[node] = true;
        return sides;
    }

    private bool[] RandomSides()
    {
        var sides = new bool[_options.Nodes];
        for (var i = 0; i < sides.Length; i++)
        {
            sides[i] = RandomBoolean();
        }

        return sides;
    }

    /// <summary>Blocks messages from side A (true) to side B, and back too when <paramref name="bothWays"/>.</summary>
    private static bool[] Cut(bool[] sides, bool bothWays)
    {
        var nodes = sides.Length;
        var blocked = new bool[nodes * nodes];
        for (var from = 0; from < nodes; from++)
        {
            for (var to = 0; to < nodes; to++)
            {
                if (sides[from] != sides[to] && (bothWays || sides[from]))
                {
                    blocked[(from * nodes) + to] = true;
                }
            }
        }

        return blocked;
    }

    private void Schedule(int round, int node, NodeInputKind kind)
    {
        if (round <= _options.FaultRounds)
        {
            _scheduled.Add((round, new NodeCommand(node, kind)));
        }
    }

    /// <summary>
    /// An operator's change of the station's peers, all of Coyote's choosing: add a station node, remove one, or replace
    /// one with another. The node to add is told to join first; the change goes to every station node (only the
    /// coordinator decides, the others answer that they are not it), and again two and five rounds later, as an
    /// operator repeats a change until it is done (a repeat answers pending, or done).
    /// </summary>
    private void ChangePeers(int round, List<NodeCommand> inputs)
    {
        CoverageCounter.PeersChanged();
        var station = _options.StationNodes;
        var node = RandomInteger(station);
        MembershipChange change;
        var joining = -1;
        switch (RandomInteger(3))
        {
            case 0:
                change = new AddPeer(_ids[node]);
                joining = node;
                break;
            case 1:
                change = new RemovePeer(_ids[node]);
                break;
            default:
                var incoming = RandomInteger(station);
                change = new ReplacePeer(_ids[node], _ids[incoming]);
                joining = incoming;
                break;
        }

        foreach (var at in new[] { round, round + 2, round + 5 })
        {
            var commands = new List<NodeCommand>();
            if (joining >= 0)
            {
                commands.Add(new NodeCommand(joining, NodeInputKind.Join));
            }

            for (var peer = 0; peer < station; peer++)
            {
                commands.Add(new NodeCommand(peer, NodeInputKind.ChangeStation) { Change = change });
            }

            if (at == round)
            {
                inputs.AddRange(commands);
            }
            else if (at <= _options.FaultRounds)
            {
                _scheduled.AddRange(commands.Select(c => (at, c)));
            }
        }
    }

    /// <summary>The rounds of the changes of the peers, chosen up front like the faults' (no choice at all without any).</summary>
    private void PlanChanges()
    {
        _changesInRound = new int[_options.FaultRounds + 1];
        for (var i = 0; i < _options.MembershipChanges; i++)
        {
            _changesInRound[1 + RandomInteger(_options.FaultRounds)]++;
        }
    }

    /// <summary>
    /// Chooses the round of every fault up front, so that the whole budget is spent whatever the strategy makes of
    /// its choices (Q-learning, for one, rarely picks a one-in-n value round after round).
    /// </summary>
    private void PlanFaults()
    {
        _faultsInRound = new int[_options.FaultRounds + 1];
        for (var i = 0; i < _options.FaultBudget; i++)
        {
            _faultsInRound[1 + RandomInteger(_options.FaultRounds)]++;
        }
    }
}
