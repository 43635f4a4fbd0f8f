using Halon.Simulation.Coyote.Events;
using Halon.Simulation.Coyote.Monitors;
using Microsoft.Coyote.Actors;

namespace Halon.Simulation.Coyote.Actors;

/// <summary>
/// Logical time, in rounds. At each round's start every node's clock advances by one tick, except where a node skips
/// the round, which <see cref="DriftRule"/> allows rarely enough that DESIGN.md's drift bound ρ holds between any two
/// clocks over any interval. Each node gets a drift profile per iteration (fast, slowest allowed, or wobbly, a
/// controlled choice each time), so the lease is tested at the very edge of the bound. The clock also plays
/// halonctl: it bootstraps every node at an early round of Coyote's choosing, and again after the heal (the command
/// is idempotent). Each round goes to the nemesis, which adds its faults, until the heal, and straight to the
/// network after it. A round begins only when the network says the previous one is done, and the iteration ends
/// after <see cref="CoyoteClusterOptions.TotalRounds"/> rounds: the clock stops every actor, the program ends, and the
/// liveness monitor is judged.
/// </summary>
internal sealed class ClockActor : Actor
{
    private CoyoteClusterOptions _options = new();
    private ActorId? _nemesis;
    private ActorId? _network;
    private long[] _clocks = Array.Empty<long>();
    private int[] _lastSkip = Array.Empty<int>();
    private DriftProfile[] _profiles = Array.Empty<DriftProfile>();
    private int[] _bootstrapRound = Array.Empty<int>();
    private int _skipGapRounds;
    private int _round;
    private int _master = -1;

    /// <inheritdoc />
    protected override async Task OnInitializeAsync(Event initialEvent)
    {
        var setup = (ClockSetup)initialEvent;
        _options = setup.Options;
        _nemesis = setup.Nemesis;
        _network = setup.Network;
        var nodes = _options.Nodes;
        _clocks = new long[nodes];
        _lastSkip = new int[nodes];
        Array.Fill(_lastSkip, -1);
        _profiles = new DriftProfile[nodes];
        _bootstrapRound = new int[nodes];
        _skipGapRounds = DriftRule.SkipGapRounds(_options.ModelledClockDriftFactor ?? _options.Protocol.ClockDriftFactor);
        await ReceiveEventAsync(typeof(StartClock));
        Start();
        while (true)
        {
            var done = (RoundDone)await ReceiveEventAsync(typeof(RoundDone));
            Assert(done.Round == _round, "the network finished a round that is not the current one");
            _master = done.Master;
            if (_round == _options.TotalRounds)
            {
                break;
            }

            BeginRound(_round + 1);
        }

        SendEvent(_nemesis!, new Stop());
        SendEvent(_network!, new Stop());
    }

    private void Start()
    {
        for (var i = 0; i < _profiles.Length; i++)
        {
            _profiles[i] = _skipGapRounds == 0 ? DriftProfile.Fast : (DriftProfile)RandomInteger(3);
            _bootstrapRound[i] = 1 + (_options.BootstrapRoundsMax == 1 ? 0 : RandomInteger(_options.BootstrapRoundsMax));
        }

        BeginRound(1);
    }

    private void BeginRound(int round)
    {
        _round = round;
        var ticked = new bool[_clocks.Length];
        for (var i = 0; i < _clocks.Length; i++)
        {
            if (Skips(i, round))
            {
                _lastSkip[i] = round;
            }
            else
            {
                _clocks[i]++;
                ticked[i] = true;
            }
        }

        var advanced = new ClockAdvanced(round, (long[])_clocks.Clone());
        Monitor<CoordinatorExclusivity>(advanced);
        Monitor<Liveness>(advanced);
        Monitor<QuorumIntersection>(advanced);

        var commands = new List<NodeCommand>();
        for (var i = 0; i < _clocks.Length; i++)
        {
            if (i >= _options.Peers && i < _options.StationNodes)
            {
                continue; // A spare waits for the operator to join it.
            }

            if (round == _bootstrapRound[i] || round == _options.HealRound + 1)
            {
                commands.Add(new NodeCommand(i, NodeInputKind.Bootstrap));
            }
        }

        if (round <= _options.HealRound)
        {
            SendEvent(_nemesis!, new NemesisTurn(round, (long[])_clocks.Clone(), ticked, commands, _master));
        }
        else
        {
            // The nemesis is done for good; skipping it spares a hop per round.
            SendEvent(_network!, new StartRound(round, (long[])_clocks.Clone(), ticked, commands));
        }
    }

    private bool Skips(int node, int round)
    {
        if (!DriftRule.MaySkip(round, _lastSkip[node], _skipGapRounds))
        {
            return false;
        }

        return _profiles[node] switch
        {
            DriftProfile.Slow => true,
            DriftProfile.Wobbly => RandomBoolean(),
            _ => false,
        };
    }
}
