using Halon.Core;
using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Persistence;
using Halon.Core.Protocol;
using Halon.Simulation.Coyote.Events;
using Halon.Simulation.Coyote.Monitors;
using Halon.Simulation.Coyote.Testing;
using Microsoft.Coyote.Actors;

namespace Halon.Simulation.Coyote.Actors;

/// <summary>
/// One node: the pure core (<see cref="HalonNode"/>) driven the way the daemon drives it, and nothing else. Before
/// every input it issues the ticks its clock has reached; after every core input it takes the Ready batch, persists it
/// (to a disk that survives crashes), tells the monitors, then sends its messages, then calls Advance. It adds no
/// protocol logic. Its faults are the nemesis' to choose: crash, restart from disk, pause, and a crash between
/// persist and send. Every input is answered with one <see cref="NodeDone"/> carrying what the node sent.
/// </summary>
/// <remarks>
/// The protected hooks exist for the tests' deliberately broken doubles; a correct host overrides none of them.
/// </remarks>
public class NodeActor : Actor
{
    private readonly CoyoteDisk _disk = new();
    private readonly List<NodeInput> _backlog = new();
    private NodeSetup? _setup;
    private HalonNode? _core;
    private ControlledRandom? _random;
    private List<Message> _outgoing = new();

    /// <summary>The node's clock as of its latest input, in ticks since the iteration began.</summary>
    private long _clock;

    /// <summary>The clock when the running core started; the core counts its ticks from there.</summary>
    private long _clockAtStart;

    /// <summary>While paused, inputs other than ticks wait in <see cref="_backlog"/>, in order.</summary>
    private bool _paused;

    private bool _persistCrashArmed;

    /// <summary>Armed by the nemesis: crash right after the next batch that acknowledges something has left.</summary>
    private bool _acknowledgementCrashArmed;

    /// <summary>Counts restarts: the core's tick count and <see cref="_contactAt"/> belong to one generation.</summary>
    private int _generation;

    /// <summary>
    /// Ground truth for the withholding rule: the core's tick at which it last accepted an AppendEntries of a master of
    /// its term (or 0 after a restart as a station peer), or null when it never had one in this generation.
    /// </summary>
    private long? _contactAt;

    private NodeId? _contactMaster;

    // Ground truth for the QuorumIntersection monitor, while master: the term counted, the highest index each node
    // said it holds and the newest heartbeat tick each echoed, in answers this node stepped in that term.
    private long _answersTerm;
    private readonly Dictionary<NodeId, long> _matchHeard = new();
    private readonly Dictionary<NodeId, long> _echoHeard = new();

    // The state and configuration after the last batch: what a batch starts from.
    private SupervisorState _stateBefore;
    private IReadOnlyList<NodeId>? _votersBefore;

    /// <summary>The node's index, peers first.</summary>
    protected int NodeIndex => Setup.Index;

    /// <summary>The node's id.</summary>
    protected NodeId NodeId => Setup.Id;

    /// <summary>Whether halonctl makes this node a station peer.</summary>
    protected bool IsPeer => Setup.IsPeer;

    private NodeSetup Setup => _setup ?? throw new InvalidOperationException("the node actor has not been set up");

    /// <inheritdoc />
    protected override async Task OnInitializeAsync(Event initialEvent)
    {
        _setup = (NodeSetup)initialEvent;
        _random = new ControlledRandom(this);
        _core = new HalonNode(Setup.Id, Setup.Protocol, _random, Setup.Facts, PersistentState.Empty);
        while (await ReceiveEventAsync(typeof(NodeInput), typeof(Stop)) is NodeInput input)
        {
            OnInput(input);
        }
    }

    /// <summary>Test-double hook: whether to issue the next due tick to <paramref name="core"/>. A correct host always does.</summary>
    protected virtual bool DeliversTick(HalonNode core) => true;

    /// <summary>Test-double hook: whether to step <paramref name="message"/> into <paramref name="core"/>. A correct host always does.</summary>
    protected virtual bool Accepts(HalonNode core, Message message) => true;

    /// <summary>
    /// Test-double hook, called after <paramref name="ready"/> is persisted and before it is sent: <paramref name="batch"/>
    /// holds its messages and may be changed. <paramref name="input"/> is the message that produced it, if any.
    /// A correct host changes nothing.
    /// </summary>
    protected virtual void OnSending(HalonNode core, in Ready ready, Message? input, List<Message> batch)
    {
    }

    private void OnInput(NodeInput input)
    {
        _outgoing = new List<Message>();
        Handle(input);
        SendEvent(Setup.Network, new NodeDone(Setup.Index, _outgoing));
    }

    private void Handle(NodeInput input)
    {
        switch (input.Kind)
        {
            case NodeInputKind.Crash:
                Crash();
                break;
            case NodeInputKind.Restart:
                Restart(input.Clock);
                break;
            case NodeInputKind.Pause:
                _paused = _core is not null;
                break;
            case NodeInputKind.Resume:
                Resume(input.Clock);
                break;
            case NodeInputKind.ArmPersistCrash:
                _persistCrashArmed = _core is not null;
                break;
            case NodeInputKind.ArmAcknowledgementCrash:
                _acknowledgementCrashArmed = _core is not null;
                break;
            case NodeInputKind.Heal:
                _persistCrashArmed = false;
                _acknowledgementCrashArmed = false;
                Restart(input.Clock);
                Resume(input.Clock);
                break;
            case NodeInputKind.Tick:
                if (_core is not null && !_paused)
                {
                    CatchUp(input.Clock);
                    EndOfInput();
                }

                break;
            case NodeInputKind.Deliver:
            case NodeInputKind.Bootstrap:
            case NodeInputKind.CrashCoordinator:
            case NodeInputKind.Join:
            case NodeInputKind.ChangeStation:
            default:
                if (_core is null)
                {
                    break; // Lost with the process.
                }

                if (_paused)
                {
                    _backlog.Add(input);
                    break;
                }

                CatchUp(input.Clock);
                Apply(input);
                EndOfInput();
                break;
        }
    }

    /// <summary>Issues every tick the clock has reached, each followed by its own Ready, as the daemon does.</summary>
    /// <remarks>
    /// After a pause, with inputs waiting in the backlog, the ticks are catch-up ticks: a campaign waits until the
    /// backlog is handled (a heartbeat in it resets the election timer), as the daemon does after a stall.
    /// </remarks>
    private void CatchUp(long clock, bool messagesWaiting = false)
    {
        _clock = Math.Max(_clock, clock);
        while (_core is { } core && core.Now < _clock - _clockAtStart && DeliversTick(core))
        {
            Guard(messagesWaiting ? core.TickCatchingUp : core.Tick);
            Drain(null);
        }
    }

    private void Apply(NodeInput input)
    {
        var core = _core;
        if (core is null)
        {
            return;
        }

        switch (input.Kind)
        {
            case NodeInputKind.Deliver:
                foreach (var message in input.Messages)
                {
                    if (_core is not { } stepped)
                    {
                        break; // Crashed between persist and send: the rest is lost with the process.
                    }

                    if (Accepts(stepped, message))
                    {
                        StepResult? result = null;
                        var (stateBefore, termBefore) = (stepped.State, stepped.Term);
                        Guard(() => result = stepped.Step(message));
                        NoteContact(stepped, message, result);
                        NoteAnswer(message, result, stateBefore, termBefore);
                        Drain(message);
                    }
                }

                break;
            case NodeInputKind.Bootstrap:
                Guard(() => _ = Setup.IsPeer ? core.BecomeStationPeer(Setup.Station) : core.BecomeSatellite(Setup.Station));
                Drain(null);
                break;
            case NodeInputKind.CrashCoordinator:
                Guard(core.CrashCoordinator);
                Drain(null);
                break;
            case NodeInputKind.Join:
                // The operator joins a spare that has no role yet, or a peer that left; anything else it would not do.
                if ((core.Role == NodeRole.None && Setup.IsSpare) || core.LeftTheStation)
                {
                    var contacts = Setup.Station.Members.Where(m => !m.Equals(Setup.Id)).ToArray();
                    Guard(() => _ = core.JoinStation(Setup.Protocol.Timing.ClusterIdFor(Setup.Station), Setup.Protocol.Timing, PeerSet.Create(contacts.Length > 0 ? contacts : Setup.Station.Members)));
                    Drain(null);
                }

                break;
            case NodeInputKind.ChangeStation:
                Guard(() => _ = core.ChangeStation(input.Change ?? throw new InvalidOperationException("a change of the station without the change")));
                Drain(null);
                break;
            default:
                throw new InvalidOperationException($"input {input.Kind} is not for the core");
        }
    }

    /// <summary>Records an accepted AppendEntries of the node's master as its latest contact (ground truth for <see cref="LeaseRule"/>).</summary>
    private void NoteContact(HalonNode core, Message message, StepResult? result)
    {
        // An InstallSnapshot chunk of the master's term is contact too, in order or not (the core restarts its timer).
        NodeId? master = message switch
        {
            AppendEntries append when result is { Accepted: true } && core.Term == append.Term => append.From,
            InstallSnapshot install when result is { DropCategory: DropCategory.None or DropCategory.Outdated } && core.Term == install.Term => install.From,
            _ => null,
        };
        if (master is not null && core.State == SupervisorState.Follower && master.Equals(core.Leader))
        {
            _contactAt = core.Now;
            _contactMaster = master;
        }
    }

    /// <summary>
    /// Records an answer to this master, stepped in its term, for the QuorumIntersection monitor: what the answering
    /// node said it holds, and the heartbeat tick it echoed.
    /// </summary>
    private void NoteAnswer(Message message, StepResult? result, SupervisorState stateBefore, long termBefore)
    {
        if (result is not { Accepted: true } || stateBefore != SupervisorState.Master)
        {
            return;
        }

        var (term, from, tick, match) = message switch
        {
            AppendEntriesResponse answer => (answer.Term, answer.From, answer.LeaderTick, answer.Success ? answer.MatchIndex : -1),
            InstallSnapshotResponse answer => (answer.Term, answer.From, answer.LeaderTick, answer.Installed ? answer.LastIncludedIndex : -1),
            _ => (-1L, Setup.Id, -1L, -1L),
        };
        if (term != termBefore)
        {
            return;
        }

        if (_answersTerm != term)
        {
            _answersTerm = term;
            _matchHeard.Clear();
            _echoHeard.Clear();
        }

        _matchHeard[from] = Math.Max(_matchHeard.GetValueOrDefault(from, -1), match);
        _echoHeard[from] = Math.Max(_echoHeard.GetValueOrDefault(from, -1), tick);
    }

    /// <summary>Persist, tell the monitors, send, Advance: the order the daemon keeps, with a crash that may strike after persisting.</summary>
    private void Drain(Message? input)
    {
        var core = _core;
        if (core is null || !core.HasReady)
        {
            return;
        }

        var ready = core.GetReady();
        if (ready.MustPersist)
        {
            _disk.Apply(ready);
            ReportPersistedVote(core, ready);
            if (_persistCrashArmed)
            {
                CoverageCounter.CrashedAfterPersist();
                Crash();
                return;
            }
        }

        if (ready.Effects.Count > 0)
        {
            Report(core, ready.Effects, endOfInput: false);
        }

        // The checks of rule W and of persist-before-send judge what the core asked to send; a broken double may change
        // the batch below, and then only the outcome monitors judge it.
        CheckDurable(ready);
        ReportVotes(core, ready);
        var batch = new List<Message>(ready.Messages);
        OnSending(core, ready, input, batch);
        _outgoing.AddRange(batch);
        var acknowledges = batch.Any(m => m is VoteResponse { Granted: true } or AppendEntriesResponse { Success: true } or NodeUpAck);
        core.Advance();
        _stateBefore = core.State;
        _votersBefore = core.Configuration?.Voters.Members;
        if (_acknowledgementCrashArmed && acknowledges)
        {
            CoverageCounter.CrashedAfterAcknowledgement();
            Crash(); // The batch left; the node dies right after, and the nemesis restarts it within a few rounds.
        }
    }

    private void CheckDurable(in Ready ready)
    {
        var hard = _disk.HardState;
        foreach (var message in ready.Messages)
        {
            var problem = message switch
            {
                VoteResponse { Granted: true, PreVote: false } vote when hard.Term != vote.Term || !vote.To.Equals(hard.VotedFor) =>
                    $"a vote for {vote.To} in term {vote.Term} (disk: term {hard.Term}, vote {hard.VotedFor?.ToString() ?? "none"})",
                VoteRequest { PreVote: false } request when hard.Term != request.Term || !request.From.Equals(hard.VotedFor) =>
                    $"a campaign in term {request.Term} (disk: term {hard.Term}, vote {hard.VotedFor?.ToString() ?? "none"})",
                AppendEntriesResponse { Success: true } answer when _disk.LastIndex < answer.MatchIndex =>
                    $"a match of index {answer.MatchIndex} (disk: entries up to {_disk.LastIndex})",
                InstallSnapshotResponse { Installed: true } answer when _disk.LastIndex < answer.LastIncludedIndex =>
                    $"an installed snapshot at index {answer.LastIncludedIndex} (disk: entries up to {_disk.LastIndex})",
                StationMessage station and not (VoteRequest { PreVote: true } or VoteResponse { PreVote: true } or PeerProbe) when station.Term > hard.Term =>
                    $"a {message.GetType().Name} of term {station.Term} (disk: term {hard.Term})",
                _ => null,
            };
            if (problem is not null)
            {
                Monitor<Durability>(new DurabilityReport { Id = Setup.Id, Problem = problem });
            }
        }
    }

    /// <summary>A vote is cast when it is durable, whether or not its answer leaves; later grants of it are repeats.</summary>
    private void ReportPersistedVote(HalonNode core, in Ready ready)
    {
        if (ready.HardState is { VotedFor: { } votedFor } hard && !votedFor.Equals(Setup.Id))
        {
            var report = new VoteReport { Id = Setup.Id, Generation = _generation, Now = core.Now, ContactAt = _contactAt, ContactMaster = _contactMaster, Votes = [(hard.Term, votedFor, false)] };
            Monitor<LeaseRule>(report);
            Monitor<QuorumIntersection>(report);
        }
    }

    private void ReportVotes(HalonNode core, in Ready ready)
    {
        List<(long Term, NodeId Candidate, bool PreVote)>? votes = null;
        foreach (var message in ready.Messages)
        {
            if (message is VoteResponse { Granted: true } grant)
            {
                (votes ??= new()).Add((grant.Term, grant.To, grant.PreVote));
            }
        }

        foreach (var effect in ready.Effects)
        {
            if (effect is SupervisorStateChanged { To: SupervisorState.PreCandidate or SupervisorState.Candidate } campaign)
            {
                var preVote = campaign.To == SupervisorState.PreCandidate;
                (votes ??= new()).Add((preVote ? campaign.Term + 1 : campaign.Term, Setup.Id, preVote));
            }
        }

        if (votes is not null)
        {
            var report = new VoteReport { Id = Setup.Id, Generation = _generation, Now = core.Now, ContactAt = _contactAt, ContactMaster = _contactMaster, Votes = votes };
            Monitor<LeaseRule>(report);
            Monitor<QuorumIntersection>(report);
        }
    }

    private void EndOfInput()
    {
        if (_core is { } core && (core.State == SupervisorState.Master || core.CoordinatorRunning))
        {
            Report(core, Array.Empty<Effect>(), endOfInput: true);
        }
    }

    private void Crash()
    {
        if (_core is null)
        {
            return;
        }

        _core = null;
        _stateBefore = SupervisorState.None;
        _votersBefore = null;
        _answersTerm = 0;
        _paused = false;
        _persistCrashArmed = false;
        _acknowledgementCrashArmed = false;
        _backlog.Clear();
        Tell(new NodeReport { Node = Setup.Index, Id = Setup.Id, Clock = _clock, Up = false, EndOfInput = true });
    }

    private void Restart(long clock)
    {
        if (_core is not null)
        {
            return;
        }

        _clock = Math.Max(_clock, clock);
        _clockAtStart = _clock;
        _generation++;
        var persisted = _disk.Read();
        // A restarted station peer may have accepted a heartbeat just before it crashed: its start counts as contact.
        _contactAt = persisted.Role.Role == NodeRole.Station ? 0 : null;
        _contactMaster = null;
        try
        {
            _core = new HalonNode(Setup.Id, Setup.Protocol, _random!, Setup.Facts, persisted);
        }
        catch (ArgumentException exception)
        {
            Assert(false, "{0}", $"[CoreAssertion] {Setup.Id} cannot restart from its persisted state: {exception.Message}");
            return;
        }

        Drain(null);
        EndOfInput();
    }

    private void Resume(long clock)
    {
        if (_core is null || !_paused)
        {
            return;
        }

        _paused = false;
        var backlog = _backlog.ToArray();
        _backlog.Clear();
        CatchUp(clock, messagesWaiting: backlog.Length > 0);
        foreach (var input in backlog)
        {
            if (_core is null)
            {
                break; // Crashed between persist and send: the rest is lost with the process.
            }

            Apply(input);
        }

        EndOfInput();
    }

    private void Report(HalonNode core, IReadOnlyList<Effect> effects, bool endOfInput)
    {
        Dictionary<NodeId, long>? state = null;
        foreach (var effect in effects)
        {
            switch (effect)
            {
                case CoordinatorStarted:
                    state = core.Satellites.ToDictionary(s => s.Key, s => s.Value.Incarnation);
                    CoverageCounter.CoordinatorStarted();
                    break;
                case BecameMaster master:
                    CoverageCounter.Elected(master.Term);
                    break;
                case AnnouncementAcknowledged:
                    CoverageCounter.SatelliteAcknowledged();
                    break;
                case SnapshotTaken:
                    CoverageCounter.SnapshotTaken();
                    break;
                case SnapshotInstalled:
                    CoverageCounter.SnapshotInstalled();
                    break;
                default:
                    break;
            }
        }

        Tell(new NodeReport
        {
            Node = Setup.Index,
            Id = Setup.Id,
            Clock = _clock,
            Up = true,
            State = core.State,
            Term = core.Term,
            CoordinatorRunning = core.CoordinatorRunning,
            CoordinatorEpoch = core.CoordinatorEpoch,
            LeaseEnd = core.State == SupervisorState.Master ? core.LeaseEndTick + _clockAtStart : 0,
            Effects = effects.ToArray(),
            CoordinatorState = state,
            SatelliteAcknowledged = core.AnnouncementAcknowledged,
            Incarnation = core.Incarnation,
            EndOfInput = endOfInput,
            Voters = core.Configuration?.Voters.Members,
            VotersBefore = _votersBefore,
            ConfigIndex = core.ConfigurationIndex,
            CommitIndex = core.CommitIndex,
            CommittedConfig = CommittedConfig(core),
            UncommittedConfigIndexes = UncommittedConfigIndexes(core),
            CommittedAsMaster = _stateBefore == SupervisorState.Master || effects.Any(e => e is BecameMaster),
            MatchHeard = core.Term == _answersTerm && effects.Any(e => e is EntriesCommitted) ? new Dictionary<NodeId, long>(_matchHeard) : null,
            EchoedLeaseStart = core.State == SupervisorState.Master ? EchoedLeaseStart(core) : null,
        });
    }

    private static (IReadOnlyList<NodeId> Voters, long Index)? CommittedConfig(HalonNode core)
    {
        if (core.Configuration is null)
        {
            return null;
        }

        var log = core.Log;
        for (var i = log.Count - 1; i >= 0; i--)
        {
            if (log[i].Index <= core.CommitIndex && log[i].Command is StationConfigCommand command)
            {
                return (command.Config.Voters.Members, log[i].Index);
            }
        }

        return core.LatestSnapshot is { } snapshot ? (snapshot.Config.Voters.Members, snapshot.LastIncludedIndex) : null;
    }

    private static long[] UncommittedConfigIndexes(HalonNode core)
    {
        List<long>? indexes = null;
        var log = core.Log;
        for (var i = log.Count - 1; i >= 0 && log[i].Index > core.CommitIndex; i--)
        {
            if (log[i].Command is StationConfigCommand)
            {
                (indexes ??= new()).Add(log[i].Index);
            }
        }

        return indexes?.ToArray() ?? Array.Empty<long>();
    }

    /// <summary>The lease start the echoes of a majority of the master's voters allow, in the clock of the reports.</summary>
    private long? EchoedLeaseStart(HalonNode core)
    {
        if (core.Configuration is not { } config)
        {
            return null;
        }

        var voters = config.Voters.Members;
        var ticks = new long[voters.Count];
        for (var i = 0; i < ticks.Length; i++)
        {
            ticks[i] = voters[i].Equals(Setup.Id) ? core.Now : core.Term == _answersTerm ? _echoHeard.GetValueOrDefault(voters[i], -1) : -1;
        }

        var start = Quorum.MajorityValue(ticks);
        return start < 0 ? long.MinValue / 2 : start + _clockAtStart;
    }

    private void Tell(NodeReport report)
    {
        Monitor<ElectionSafety>(report);
        Monitor<CoordinatorExclusivity>(report);
        Monitor<AckDurability>(report);
        Monitor<Liveness>(report);
        Monitor<ConfigurationChangeInFlight>(report);
        Monitor<QuorumIntersection>(report);
    }

    private void Guard(Action input)
    {
        try
        {
            input();
        }
        catch (HalonInvariantException exception)
        {
            Assert(false, "{0}", $"[CoreAssertion] {Setup.Id}: {exception.Message}");
        }
    }

    /// <summary>The core's chance (election and back-off jitter) as Coyote's controlled choices, so traces replay it.</summary>
    private sealed class ControlledRandom(NodeActor owner) : IRandomSource
    {
        public int Next(int maxExclusive) => maxExclusive <= 1 ? 0 : owner.RandomInteger(maxExclusive);
    }
}
