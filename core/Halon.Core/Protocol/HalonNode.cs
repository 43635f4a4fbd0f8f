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

    // The latest snapshot (taken here or installed from a master) and the index and term of the last entry it covers
    // (0 without one). _log[i] has index _logStart + 1 + i. Entries a snapshot taken in this input covers stay in _log
    // until Advance, so that the batch's observers still see what was committed: _logStart ≤ _snapshotIndex.
    private long _logStart;
    private Snapshot? _snapshot;
    private long _snapshotIndex;
    private long _snapshotTerm;

    // Dirty flags for the next Ready. _unstableFromIndex is long.MaxValue when no entry needs persisting.
    private bool _hardStateDirty;
    private bool _roleDirty;
    private bool _snapshotDirty;
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

    /// <summary>The last log index (0 when empty); the snapshot's index when every entry is compacted.</summary>
    public long LastLogIndex => _logStart + _log.Count;

    /// <summary>
    /// The index of <see cref="Log"/>'s first entry: every entry below it is covered by the snapshot. Entries that a
    /// snapshot taken by the last input covers are dropped at <see cref="Advance"/>.
    /// </summary>
    public long FirstLogIndex => _logStart + 1;

    /// <summary>The index of the last entry the latest snapshot covers (0 without a snapshot).</summary>
    public long SnapshotIndex => _snapshotIndex;

    /// <summary>The term of that entry (0 without a snapshot).</summary>
    public long SnapshotTerm => _snapshotTerm;

    /// <summary>The latest snapshot, taken here or installed, or null.</summary>
    public Snapshot? LatestSnapshot => _snapshot;

    /// <summary>Whether the coordinator runs here now.</summary>
    public bool CoordinatorRunning => _coordinatorRunning;

    /// <summary>The epoch of the coordinator running here, or 0.</summary>
    public long CoordinatorEpoch => _coordinatorRunning ? _term : 0;

    /// <summary>The options in force.</summary>
    public ProtocolOptions Options => _options;

    /// <summary>The station's satellites as applied from committed entries.</summary>
    public IReadOnlyDictionary<NodeId, SatelliteRecord> Satellites => _satellites;

    /// <summary>The entries of the replicated log held in memory (from <see cref="FirstLogIndex"/>), for checkers and tests.</summary>
    public IReadOnlyList<LogEntry> Log => _log;

    /// <summary>Whether outputs are waiting for the host.</summary>
    public bool HasReady => _hardStateDirty || _roleDirty || _snapshotDirty || _unstableFromIndex != long.MaxValue || _outbox.Count > 0 || _effects.Count > 0;

    /// <summary>
    /// Messages waiting in the next <see cref="Ready"/>. Outputs of several inputs accumulate until the host drains
    /// them (group commit); a host that batches drains before this nears <see cref="Limits.ReadyMessagesMax"/>.
    /// </summary>
    public int PendingMessageCount => _outbox.Count;

    /// <summary>The pending outputs. Valid until <see cref="Advance"/>.</summary>
    public Ready GetReady()
    {
        IReadOnlyList<LogEntry> entries = s_noEntries;
        long from = 0;
        if (_unstableFromIndex != long.MaxValue)
        {
            from = Math.Max(_unstableFromIndex, _snapshotIndex + 1);
            var start = (int)(from - FirstLogIndex);
            entries = start >= _log.Count ? s_noEntries : _log.GetRange(start, _log.Count - start).ToArray();
        }

        return new Ready(
            _hardStateDirty ? new HardState(_term, _votedFor, _commitIndex) : null,
            _roleDirty ? _roleConfig : null,
            _snapshotDirty ? _snapshot : null,
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
        _snapshotDirty = false;
        _unstableFromIndex = long.MaxValue;
        if (_logStart < _snapshotIndex)
        {
            _log.RemoveRange(0, (int)(_snapshotIndex - _logStart));
            _logStart = _snapshotIndex;
        }

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
        _roleConfig = persisted.Role;
        _clusterId = StationClusterId();
        RestoreSnapshotAndLog(persisted);
        if (_roleConfig.Role == NodeRole.Station)
        {
            _appliedConfig = _snapshot?.Config ?? BootstrapConfig();
            _appliedConfigIndex = _snapshotIndex;
            RefreshConfig("restored");
        }

        if (LastLogTerm > _term)
        {
            // The host writes entries before the hard state, so a write torn between the two leaves entries of a
            // term the hard state never recorded. Adopting that term is safe: no vote in it was ever persisted, so
            // none was ever sent.
            _term = LastLogTerm;
            _votedFor = null;
            _hardStateDirty = true;
        }

        _commitIndex = Math.Max(persisted.HardState.CommitIndex, _snapshotIndex);
        if (_roleConfig.Timing is { } timing)
        {
            _options = _hostOptions.WithTiming(timing);
            _options.Validate();
        }

        ApplyCommitted();
        switch (_roleConfig.Role)
        {
            case NodeRole.Station when _roleConfig.Removed:
                Emit(new RoleAssigned(NodeRole.Station, $"resumed from persisted state: this peer left station {ClusterId}, so its supervisor stays stopped; add it again to rejoin"));
                break;
            case NodeRole.Station:
                _leaderContactAt = 0;
                StartSupervisor("resumed from persisted state");
                CheckMembership();
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

        var snapshot = persisted.Snapshot;
        var snapshotIndex = snapshot?.LastIncludedIndex ?? 0;
        var first = persisted.Log.Count > 0 ? persisted.Log[0].Index : snapshotIndex + 1;
        var last = Math.Max(snapshotIndex, first + persisted.Log.Count - 1);
        if (first < 1 || first > snapshotIndex + 1)
        {
            throw new ArgumentException($"persisted log starts at index {first}, but the snapshot covers only up to {snapshotIndex}: the log has a gap");
        }

        if (hard.CommitIndex > last)
        {
            throw new ArgumentException($"persisted commit index {hard.CommitIndex} is beyond the persisted log (last index {last}): the log lost committed entries");
        }

        if (snapshot is not null)
        {
            ValidatePersistedSnapshot(snapshot, persisted.Role);
        }

        long previousTerm = 0;
        for (var i = 0; i < persisted.Log.Count; i++)
        {
            var entry = persisted.Log[i];
            if (entry.Index != first + i)
            {
                throw new ArgumentException($"persisted log entry {first + i} has index {entry.Index}: the log has a gap");
            }

            if (entry.Term < previousTerm || entry.Term < 1)
            {
                throw new ArgumentException($"persisted log entry {entry.Index} has term {entry.Term}, below the term {previousTerm} of the entry before it");
            }

            previousTerm = entry.Term;
        }

        var role = persisted.Role;
        if (role.Role == NodeRole.Station && (role.Peers is null || !(role.Peers.Contains(Id) || role.Joining || role.Removed)))
        {
            throw new ArgumentException($"persisted station role of {Id} has no peer set containing it");
        }

        if (role.Role == NodeRole.Satellite && (role.Station is null || role.Incarnation < 1))
        {
            throw new ArgumentException($"persisted satellite role of {Id} has no station or no incarnation");
        }
    }

    /// <summary>The entry at <paramref name="index"/>, or null when it is compacted or beyond the log.</summary>
    private LogEntry? EntryAt(long index) => index > _logStart && index <= LastLogIndex ? _log[(int)(index - _logStart - 1)] : null;

    /// <summary>The term of the entry at <paramref name="index"/>: 0 for index 0, -1 when compacted below the snapshot or beyond the log.</summary>
    private long TermAt(long index) => index == 0 ? 0 : index == _snapshotIndex ? _snapshotTerm : EntryAt(index)?.Term ?? -1;

    /// <summary>The term of the last log entry (the snapshot's when every entry is compacted; 0 when empty).</summary>
    public long LastLogTerm => _log.Count == 0 ? _snapshotTerm : _log[^1].Term;

    private void AppendToLog(LogEntry entry)
    {
        if (entry.Index != LastLogIndex + 1)
        {
            throw new HalonInvariantException($"{Id}: appending index {entry.Index} after {LastLogIndex}");
        }

        _log.Add(entry);
        _unstableFromIndex = Math.Min(_unstableFromIndex, entry.Index);
        if (entry.Command is StationConfigCommand configured)
        {
            SetConfig(configured.Config, entry.Index, $"configuration appended at index {entry.Index}");
        }
    }

    private void TruncateLogFrom(long index)
    {
        if (index <= _commitIndex)
        {
            throw new HalonInvariantException($"{Id}: truncating committed entry {index} (commit {_commitIndex})");
        }

        var position = (int)(index - FirstLogIndex);
        _log.RemoveRange(position, _log.Count - position);
        _unstableFromIndex = Math.Min(_unstableFromIndex, index);
        if (_configIndex >= index)
        {
            RefreshConfig($"the uncommitted configuration at index {_configIndex} was cut away");
        }
    }
}
