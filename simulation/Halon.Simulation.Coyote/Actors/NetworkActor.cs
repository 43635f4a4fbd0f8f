using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Simulation.Coyote.Events;
using Halon.Simulation.Coyote.Testing;
using Microsoft.Coyote.Actors;

namespace Halon.Simulation.Coyote.Actors;

/// <summary>
/// The network, and the keeper of each round. Coyote's own sends are reliable and in order per sender, so every
/// message goes through this actor, which holds it in flight and delivers the due ones in an order Coyote chooses
/// (reordering). Until the heal it may also, by controlled choices within a budget, lose a message, duplicate it, or
/// delay it to a later round; and it drops messages across the nemesis' partition, both when sent and when delivered.
/// It forwards the nemesis' faults (crash, restart, pause, crash between persist and send) and halonctl's commands to
/// the nodes, and a tick to each node whose clock advanced. A round is done when every input has been handled and
/// nothing due is left in flight; then it tells the clock, which keeps message delay bounded after the heal. It also
/// tells the clock who replicates as master, so that the nemesis can aim at the master. When the clock says the
/// iteration is over, it stops every node.
/// </summary>
internal sealed class NetworkActor : Actor
{
    private readonly Dictionary<NodeId, int> _indexOf = new();
    private readonly List<InFlight> _due = new();
    private readonly List<InFlight> _later = new();
    private CoyoteClusterOptions _options = new();
    private IReadOnlyList<ActorId> _nodes = Array.Empty<ActorId>();
    private ActorId? _clock;
    private long[] _clocks = Array.Empty<long>();
    private bool[] _blocked = Array.Empty<bool>();
    private int _round;
    private bool _roundOpen;

    /// <summary>The node that last sent AppendEntries in the highest term seen, or -1: the master, for the nemesis' aim.</summary>
    private int _master = -1;
    private long _masterTerm;

    /// <summary>Inputs sent to nodes and not yet answered with <see cref="NodeDone"/>.</summary>
    private int _outstanding;

    /// <summary>Messages the network may still lose, duplicate or delay; 0 after the heal.</summary>
    private int _messageFaultBudget;

    /// <inheritdoc />
    protected override async Task OnInitializeAsync(Event initialEvent)
    {
        var setup = (NetworkSetup)initialEvent;
        _options = setup.Options;
        _nodes = setup.Nodes;
        _clock = setup.Clock;
        for (var i = 0; i < setup.Ids.Count; i++)
        {
            _indexOf[setup.Ids[i]] = i;
        }

        _clocks = new long[_nodes.Count];
        _blocked = new bool[_nodes.Count * _nodes.Count];
        while (true)
        {
            switch (await ReceiveEventAsync(typeof(StartRound), typeof(NodeDone), typeof(Stop)))
            {
                case StartRound start:
                    OnStartRound(start);
                    break;
                case NodeDone done:
                    OnNodeDone(done);
                    break;
                default:
                    foreach (var node in _nodes)
                    {
                        SendEvent(node, new Stop());
                    }

                    return;
            }
        }
    }

    private void OnStartRound(StartRound start)
    {
        Assert(!_roundOpen && _outstanding == 0, "a round started before the previous one was done");
        _round = start.Round;
        _clocks = start.Clocks;
        if (start.Blocked is not null)
        {
            Array.Copy(start.Blocked, _blocked, _blocked.Length);
        }

        if (start.MessageFaultBudget is { } budget)
        {
            _messageFaultBudget = budget;
        }

        if (start.Heal)
        {
            Array.Clear(_blocked);
            _messageFaultBudget = 0;
        }

        for (var i = _later.Count - 1; i >= 0; i--)
        {
            if (_later[i].DueRound <= _round)
            {
                _due.Add(_later[i]);
                _later.RemoveAt(i);
            }
        }

        _roundOpen = true;
        foreach (var input in start.Inputs)
        {
            Input(input.Node, new NodeInput(input.Kind, _clocks[input.Node]) { Change = input.Change });
        }

        for (var node = 0; node < _nodes.Count; node++)
        {
            if (start.Ticked[node])
            {
                Input(node, new NodeInput(NodeInputKind.Tick, _clocks[node]));
            }
        }

        Continue();
    }

    private void OnNodeDone(NodeDone done)
    {
        _outstanding--;
        Assert(_outstanding >= 0, "more answers than inputs");
        foreach (var message in done.Messages)
        {
            Route(done.Node, message);
        }

        Continue();
    }

    private void Route(int from, Message message)
    {
        if (message is AppendEntries append && append.Term >= _masterTerm)
        {
            _master = from;
            _masterTerm = append.Term;
        }

        if (!_indexOf.TryGetValue(message.To, out var to) || Blocked(from, to))
        {
            return;
        }

        var copies = 1;
        var due = _round;
        if (_messageFaultBudget > 0)
        {
            switch (RandomInteger(_options.MessageFaultOneIn))
            {
                case 0:
                    _messageFaultBudget--;
                    CoverageCounter.MessageLost();
                    return;
                case 1:
                    _messageFaultBudget--;
                    CoverageCounter.MessageDuplicated();
                    copies = 2;
                    break;
                case 2:
                    _messageFaultBudget--;
                    CoverageCounter.MessageDelayed();
                    due = _round + 1 + RandomInteger(_options.DelayRoundsMax);
                    break;
                default:
                    break;
            }
        }

        for (var i = 0; i < copies; i++)
        {
            (due <= _round ? _due : _later).Add(new InFlight(message, from, to, due));
        }
    }

    private void Input(int node, NodeInput input)
    {
        _outstanding++;
        SendEvent(_nodes[node], input);
    }

    /// <summary>
    /// Delivers every message due now, in an order Coyote chooses, then ends the round if nothing is left to do in it.
    /// A node's messages of one delivery travel in one input (nodes share nothing, so only the order each node sees
    /// matters, and batching spares Coyote steps); replies go out in the next delivery.
    /// </summary>
    private void Continue()
    {
        if (_due.Count > 0)
        {
            var arrivals = new List<Message>?[_nodes.Count];
            while (_due.Count > 0)
            {
                var pick = _due.Count == 1 ? 0 : RandomInteger(_due.Count);
                var flight = _due[pick];
                _due[pick] = _due[^1];
                _due.RemoveAt(_due.Count - 1);
                if (!Blocked(flight.From, flight.To))
                {
                    (arrivals[flight.To] ??= new List<Message>()).Add(flight.Message);
                }
            }

            for (var node = 0; node < arrivals.Length; node++)
            {
                if (arrivals[node] is { } messages)
                {
                    Input(node, new NodeInput(NodeInputKind.Deliver, _clocks[node], messages));
                }
            }
        }

        if (_roundOpen && _outstanding == 0)
        {
            _roundOpen = false;
            SendEvent(_clock!, new RoundDone(_round, _master));
        }
    }

    private bool Blocked(int from, int to) => _blocked[(from * _nodes.Count) + to];
}
