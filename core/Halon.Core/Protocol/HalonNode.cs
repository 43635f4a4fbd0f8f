using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Persistence;

namespace Halon.Core.Protocol;

/// <summary>
/// One node's protocol: a deterministic state machine in the style of etcd-io/raft's RawNode. Inputs are
/// <see cref="Tick"/>, <see cref="Step"/> and the operator commands; outputs accumulate in a <see cref="Ready"/>
/// batch that the host persists, acts on and sends, then acknowledges with <see cref="Advance"/>. The node reads no
/// clock, owns no thread and draws chance only from the <see cref="IRandomSource"/> it is given.
/// </summary>
public sealed partial class HalonNode
{
    private static readonly IReadOnlyList<LogEntry> s_noEntries = Array.Empty<LogEntry>();

    /// <summary>The options the host gave; a station's timing replaces their timing values in <see cref="_options"/>.</summary>
    private readonly ProtocolOptions _hostOptions;

    /// <summary>The options in force: the host's, with the station's timing once this node is a station peer.</summary>
    private ProtocolOptions _options;
    private readonly IRandomSource _random;
    private readonly HostFacts _hostFacts;
    private readonly List<Message> _outbox = new();
    private readonly List<Effect> _effects = new();

    /// <summary>Ticks since this incarnation of the node started. Volatile: a restart begins again at 0.</summary>
    private long _now;

    /// <summary>True only while a <see cref="TickCatchingUp"/> runs: campaigns wait for the next regular tick.</summary>
    private bool _catchingUp;

    // Persisted state. _term never decreases; _votedFor is the vote cast in _term; _commitIndex never decreases and
    // never exceeds the last log index.
    private long _term;
    private NodeId? _votedFor;
    private long _commitIndex;
    private RoleConfig _roleConfig;
    private readonly List<LogEntry> _log = new();

    // Dirty flags for the next Ready. _unstableFromIndex is long.MaxValue when no entry needs persisting.
    private bool _hardStateDirty;
    private bool _roleDirty;
    private long _unstableFromIndex = long.MaxValue;

    /// <summary>Creates a node with nothing persisted (a fresh <c>halond</c> in listen mode).</summary>
    public HalonNode(NodeId id, ProtocolOptions options, IRandomSource random, HostFacts hostFacts)
        : this(id, options, random, hostFacts, PersistentState.Empty)
    {
    }

    /// <summary>
    /// Creates a node from what it persisted before (autoboot). A station peer resumes its supervisor; a satellite
    /// takes the next incarnation and announces again. Throws <see cref="ArgumentException"/> when the persisted
    /// state is inconsistent, so the host refuses to start instead of guessing.
    /// </summary>
    public HalonNode(NodeId id, ProtocolOptions options, IRandomSource random, HostFacts hostFacts, PersistentState persisted)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(hostFacts);
        ArgumentNullException.ThrowIfNull(persisted);
        options.Validate();
        if (!hostFacts.IsValid)
        {
            throw new ArgumentException($"host facts are out of bounds: {hostFacts}", nameof(hostFacts));
        }

        Id = id;
        _hostOptions = options;
        _options = options;
        _random = random;
        _hostFacts = hostFacts;
        _roleConfig = RoleConfig.None;
        Restore(persisted);
        CheckInvariants();
    }

    /// <summary>This node's id.</summary>
    public NodeId Id { get; }

    /// <summary>The node's role.</summary>
    public NodeRole Role => _roleConfig.Role;

    /// <summary>The current term.</summary>
    public long Term => _term;

    /// <summary>The supervisor's state (<see cref="SupervisorState.None"/> unless a station peer).</summary>
    public SupervisorState State => _state;

    /// <summary>The peer this node voted for in the current term, if any.</summary>
    public NodeId? VotedFor => _votedFor;

    /// <summary>The master this node believes in, if any.</summary>
    public NodeId? Leader => _leader;

    /// <summary>Ticks since this incarnation started.</summary>
    public long Now => _now;

    /// <summary>The commit index.</summary>
    public long CommitIndex => _commitIndex;

    /// <summary>The last log index (0 when empty).</summary>
    public long LastLogIndex => _log.Count;

    /// <summary>Whether the coordinator runs here now.</summary>
    public bool CoordinatorRunning => _coordinatorRunning;

    /// <summary>The epoch of the coordinator running here, or 0.</summary>
    public long CoordinatorEpoch => _coordinatorRunning ? _term : 0;

    /// <summary>The options in force.</summary>
    public ProtocolOptions Options => _options;

    /// <summary>The station's satellites as applied from committed entries.</summary>
    public IReadOnlyDictionary<NodeId, SatelliteRecord> Satellites => _satellites;

    /// <summary>The replicated log, for checkers and tests.</summary>
    public IReadOnlyList<LogEntry> Log => _log;

    /// <summary>Whether outputs are waiting for the host.</summary>
    public bool HasReady => _hardStateDirty || _roleDirty || _unstableFromIndex != long.MaxValue || _outbox.Count > 0 || _effects.Count > 0;

    /// <summary>The pending outputs. Valid until <see cref="Advance"/>.</summary>
    public Ready GetReady()
    {
        IReadOnlyList<LogEntry> entries = s_noEntries;
        long from = 0;
        if (_unstableFromIndex != long.MaxValue)
        {
            from = _unstableFromIndex;
            var start = (int)(from - 1);
            entries = start >= _log.Count ? s_noEntries : _log.GetRange(start, _log.Count - start).ToArray();
        }

        return new Ready(
            _hardStateDirty ? new HardState(_term, _votedFor, _commitIndex) : null,
            _roleDirty ? _roleConfig : null,
            from,
            entries,
            _outbox,
            _effects);
    }

    /// <summary>Tells the node that the last <see cref="GetReady"/> batch was persisted, acted on and sent.</summary>
    public void Advance()
    {
        _hardStateDirty = false;
        _roleDirty = false;
        _unstableFromIndex = long.MaxValue;
        _outbox.Clear();
        _effects.Clear();
    }

    /// <summary>Logical time passes by one tick.</summary>
    public void Tick() => TickOnce(catchingUp: false);

    /// <summary>
    /// Logical time passes by one tick that fell due while the host was stalled (GC, SIGSTOP, a starved machine), with
    /// messages that arrived meanwhile still waiting. Everything a tick does happens (a master's lease lapses, its
    /// coordinator stops, check-quorum steps it down, heartbeats and probes go out), except that an election timer
    /// that expires does not start a campaign yet: the host steps the waiting messages first (a heartbeat among them
    /// resets the timer), and the next <see cref="Tick()"/> campaigns if it is still due. Deferring a campaign only
    /// delays it; issuing every missed tick before any message keeps the node's clock, and so the lease, true.
    /// </summary>
    public void TickCatchingUp() => TickOnce(catchingUp: true);

    private void TickOnce(bool catchingUp)
    {
        _now++;
        _catchingUp = catchingUp;
        switch (_roleConfig.Role)
        {
            case NodeRole.Station:
                TickStation();
                break;
            case NodeRole.Satellite:
                TickAnnouncer();
                break;
            case NodeRole.None:
                break;
            default:
                throw new HalonInvariantException($"unknown role {_roleConfig.Role}");
        }

        _catchingUp = false;
        CheckInvariants();
    }

    /// <summary>A message arrived. Bad or stale messages are dropped with a reason, never thrown on.</summary>
    public StepResult Step(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        StepResult result;
        if (!message.To.Equals(Id))
        {
            result = StepResult.Dropped($"addressed to {message.To}, not to {Id}", DropCategory.Misaddressed);
        }
        else
        {
            result = message switch
            {
                PeerProbe probe => StepPeerProbe(probe),
                PeerProbeReply reply => StepPeerProbeReply(reply),
                StationMessage station => StepStationMessage(station),
                NodeUp nodeUp => StepNodeUp(nodeUp),
                NodeUpAck ack => StepNodeUpAck(ack),
                NodeUpRedirect redirect => StepNodeUpRedirect(redirect),
                NodeUpOutdated outdated => StepNodeUpOutdated(outdated),
                NodeUpRemoved removed => StepNodeUpRemoved(removed),
                _ => StepResult.Dropped($"unknown message type {message.GetType().Name}", DropCategory.Malformed),
            };
        }

        CheckInvariants();
        return result;
    }

    private void Send(Message message)
    {
        _outbox.Add(message);
    }

    private void Emit(Effect effect)
    {
        _effects.Add(effect);
    }

    private void MarkHardStateDirty()
    {
        _hardStateDirty = true;
    }

    private void Restore(PersistentState persisted)
    {
        ValidatePersisted(persisted);
        _term = persisted.HardState.Term;
        _votedFor = persisted.HardState.VotedFor;
        _log.AddRange(persisted.Log);
        if (LastLogTerm > _term)
        {
            // The host writes entries before the hard state, so a write torn between the two leaves entries of a
            // term the hard state never recorded. Adopting that term is safe: no vote in it was ever persisted, so
            // none was ever sent.
            _term = LastLogTerm;
            _votedFor = null;
            _hardStateDirty = true;
        }

        _commitIndex = persisted.HardState.CommitIndex;
        _roleConfig = persisted.Role;
        if (_roleConfig.Timing is { } timing)
        {
            _options = _hostOptions.WithTiming(timing);
            _options.Validate();
        }

        _clusterId = StationClusterId();
        ApplyCommitted();
        switch (_roleConfig.Role)
        {
            case NodeRole.Station:
                _leaderContactAt = 0;
                StartSupervisor("resumed from persisted state");
                break;
            case NodeRole.Satellite when _roleConfig.Removed:
                Emit(new RoleAssigned(NodeRole.Satellite, $"resumed from persisted state: the station removed installation {_roleConfig.InstallId:x}, so it does not announce; bootstrap it again to rejoin"));
                break;
            case NodeRole.Satellite:
                _roleConfig = _roleConfig with { Incarnation = _roleConfig.Incarnation + 1 };
                _roleDirty = true;
                StartAnnouncer("resumed from persisted state");
                break;
            case NodeRole.None:
                break;
            default:
                throw new ArgumentException($"persisted role {_roleConfig.Role} is unknown");
        }
    }

    private void ValidatePersisted(PersistentState persisted)
    {
        var hard = persisted.HardState;
        if (hard.Term < 0 || hard.CommitIndex < 0)
        {
            throw new ArgumentException($"persisted term {hard.Term} or commit index {hard.CommitIndex} is negative");
        }

        if (hard.CommitIndex > persisted.Log.Count)
        {
            throw new ArgumentException($"persisted commit index {hard.CommitIndex} is beyond the persisted log ({persisted.Log.Count} entries): the log lost committed entries");
        }

        long previousTerm = 0;
        for (var i = 0; i < persisted.Log.Count; i++)
        {
            var entry = persisted.Log[i];
            if (entry.Index != i + 1)
            {
                throw new ArgumentException($"persisted log entry {i + 1} has index {entry.Index}: the log has a gap");
            }

            if (entry.Term < previousTerm || entry.Term < 1)
            {
                throw new ArgumentException($"persisted log entry {entry.Index} has term {entry.Term}, below the term {previousTerm} of the entry before it");
            }

            previousTerm = entry.Term;
        }

        var role = persisted.Role;
        if (role.Role == NodeRole.Station && (role.Peers is null || !role.Peers.Contains(Id)))
        {
            throw new ArgumentException($"persisted station role of {Id} has no peer set containing it");
        }

        if (role.Role == NodeRole.Satellite && (role.Station is null || role.Incarnation < 1))
        {
            throw new ArgumentException($"persisted satellite role of {Id} has no station or no incarnation");
        }
    }

    private LogEntry? EntryAt(long index) => index >= 1 && index <= _log.Count ? _log[(int)(index - 1)] : null;

    private long TermAt(long index) => index == 0 ? 0 : EntryAt(index)?.Term ?? -1;

    private long LastLogTerm => _log.Count == 0 ? 0 : _log[^1].Term;

    private void AppendToLog(LogEntry entry)
    {
        if (entry.Index != _log.Count + 1)
        {
            throw new HalonInvariantException($"{Id}: appending index {entry.Index} after {_log.Count}");
        }

        _log.Add(entry);
        _unstableFromIndex = Math.Min(_unstableFromIndex, entry.Index);
    }

    private void TruncateLogFrom(long index)
    {
        if (index <= _commitIndex)
        {
            throw new HalonInvariantException($"{Id}: truncating committed entry {index} (commit {_commitIndex})");
        }

        _log.RemoveRange((int)(index - 1), _log.Count - (int)(index - 1));
        _unstableFromIndex = Math.Min(_unstableFromIndex, index);
    }
}
