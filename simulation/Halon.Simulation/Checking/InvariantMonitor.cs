using Halon.Core.Identity;
using Halon.Core.Persistence;
using Halon.Core.Protocol;

namespace Halon.Simulation.Checking;

/// <summary>
/// Checks the cluster-wide invariants from a stream of observations, each in O(1) or O(changed entries), so it can run
/// after every simulated step. It knows nothing of the simulator: checker self-tests feed it hand-made histories.
/// Nodes are named by their id.
/// </summary>
public sealed partial class InvariantMonitor
{
    /// <summary>Most violations kept per run; the first one matters, the rest are context.</summary>
    public const int ViolationsMax = 20;

    private readonly List<Violation> _violations = new();
    private readonly Dictionary<long, NodeId> _masterOfTerm = new();
    private readonly HashSet<NodeId> _coordinatorsRunning = new();
    private readonly Dictionary<NodeId, long> _coordinatorEpochOf = new();
    private long _highestEpoch;
    private NodeId? _highestEpochNode;
    private readonly Dictionary<NodeId, long> _acknowledged = new();

    // For each satellite whose removal a peer has applied: the installation removed, and the log index of the newest
    // such removal (a removal applied again by a lagging peer has an index already seen).
    private readonly Dictionary<NodeId, long> _removed = new();
    private readonly Dictionary<NodeId, long> _removedAtIndex = new();
    private readonly List<LogEntry> _committed = new();

    // The term of the node that first committed each entry (_committed's indexes): a leader of any later term must hold it.
    private readonly List<long> _commitTerms = new();
    private readonly Dictionary<(long Index, long Term), EntryCommand> _entryIdentity = new();

    /// <summary>The time the observations refer to, in ticks; set by the driver before each observation.</summary>
    public double NowTicks { get; set; }

    /// <summary>Violations found so far.</summary>
    public IReadOnlyList<Violation> Violations => _violations;

    /// <summary>Coordinators running now.</summary>
    public int CoordinatorsRunning => _coordinatorsRunning.Count;

    /// <summary>Satellite incarnations acknowledged so far.</summary>
    public IReadOnlyDictionary<NodeId, long> Acknowledged => _acknowledged;

    /// <summary>Entries known committed, in order.</summary>
    public IReadOnlyList<LogEntry> Committed => _committed;

    /// <summary>Records a violation (also used by the driver for liveness and core assertions).</summary>
    public void Report(Invariant invariant, string message)
    {
        if (_violations.Count < ViolationsMax)
        {
            _violations.Add(new Violation(invariant, NowTicks, message));
        }
    }

    /// <summary>Invariant 1: <paramref name="node"/> became master of <paramref name="term"/>.</summary>
    public void ObserveMaster(NodeId node, long term)
    {
        if (_masterOfTerm.TryGetValue(term, out var other) && !other.Equals(node))
        {
            Report(Invariant.ElectionSafety, $"two masters in term {term}: {other} and {node}");
            return;
        }

        _masterOfTerm[term] = node;
    }

    /// <summary>
    /// Invariants 2 and 3: a coordinator started on <paramref name="node"/> with <paramref name="epoch"/>, from the
    /// satellite state <paramref name="state"/>.
    /// </summary>
    public void ObserveCoordinatorStarted(NodeId node, long epoch, IReadOnlyDictionary<NodeId, SatelliteRecord> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        foreach (var running in _coordinatorsRunning)
        {
            if (!running.Equals(node))
            {
                Report(Invariant.CoordinatorExclusivity, $"coordinator of epoch {epoch} started on {node} while the coordinator of epoch {_coordinatorEpochOf[running]} runs on {running}");
            }
        }

        if (epoch < _highestEpoch)
        {
            Report(Invariant.CoordinatorExclusivity, $"coordinator epoch went back from {_highestEpoch} ({_highestEpochNode}) to {epoch} ({node})");
        }
        else if (epoch == _highestEpoch && _highestEpochNode is not null && !_highestEpochNode.Equals(node))
        {
            Report(Invariant.CoordinatorExclusivity, $"epoch {epoch} used by two coordinators: {_highestEpochNode} and {node}");
        }

        _highestEpoch = Math.Max(_highestEpoch, epoch);
        _highestEpochNode = epoch >= _highestEpoch ? node : _highestEpochNode;
        _coordinatorsRunning.Add(node);
        _coordinatorEpochOf[node] = epoch;

        foreach (var (satellite, incarnation) in _acknowledged)
        {
            if (!state.TryGetValue(satellite, out var record) || record.Incarnation < incarnation)
            {
                Report(Invariant.AckDurability, $"coordinator of epoch {epoch} on {node} has forgotten satellite {satellite} incarnation {incarnation} (knows {(record is null ? "nothing" : $"incarnation {record.Incarnation}")})");
            }
        }
    }

    /// <summary>Invariant 2: the coordinator on <paramref name="node"/> stopped (or its node crashed).</summary>
    public void ObserveCoordinatorStopped(NodeId node) => _coordinatorsRunning.Remove(node);

    /// <summary>Invariant 3: a coordinator sent an acknowledgement of <paramref name="satellite"/>'s incarnation.</summary>
    public void ObserveAcknowledged(NodeId satellite, long incarnation) => ObserveAcknowledged(satellite, incarnation, null, byCoordinator: false);

    /// <summary>
    /// Invariants 3 and 12: an acknowledgement of <paramref name="satellite"/>'s incarnation from installation
    /// <paramref name="installId"/> (null: unknown), sent by a coordinator or accepted by the satellite. A coordinator
    /// must not acknowledge an installation whose removal was applied; a satellite may still accept an acknowledgement
    /// sent before its removal, which then no later coordinator needs to hold.
    /// </summary>
    public void ObserveAcknowledged(NodeId satellite, long incarnation, long? installId, bool byCoordinator)
    {
        if (installId is { } install && _removed.TryGetValue(satellite, out var removed) && (removed == install || install == 0))
        {
            if (byCoordinator)
            {
                Report(Invariant.Decommission, $"a coordinator acknowledged {satellite} incarnation {incarnation} of installation {install:x}, which the station removed");
            }

            return;
        }

        if (!_acknowledged.TryGetValue(satellite, out var known) || incarnation > known)
        {
            _acknowledged[satellite] = incarnation;
        }
    }

    /// <summary>
    /// Invariant 12: a peer applied the committed removal of <paramref name="satellite"/>'s installation
    /// <paramref name="installId"/>, the entry at <paramref name="logIndex"/>. The removal takes the node out of the
    /// table whatever installation it held, so no later coordinator needs to hold what was acknowledged before it (an
    /// acknowledgement of a new installation comes after it); and from now on no coordinator may acknowledge the
    /// removed installation. The same removal applied again by another peer changes nothing.
    /// </summary>
    public void ObserveRemoved(NodeId satellite, long installId, long logIndex)
    {
        if (_removedAtIndex.TryGetValue(satellite, out var seen) && logIndex <= seen)
        {
            return;
        }

        _removedAtIndex[satellite] = logIndex;
        _removed[satellite] = installId;
        _acknowledged.Remove(satellite);
    }

    /// <summary>Invariant 4: entries were written to <paramref name="node"/>'s log (same index and term, same entry).</summary>
    public void ObserveEntries(NodeId node, IReadOnlyList<LogEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (var entry in entries)
        {
            if (_entryIdentity.TryGetValue((entry.Index, entry.Term), out var command))
            {
                if (!command.Equals(entry.Command))
                {
                    Report(Invariant.LogMatching, $"{node} holds {entry.Command} at index {entry.Index} term {entry.Term}, where another log holds {command}");
                }
            }
            else
            {
                _entryIdentity[(entry.Index, entry.Term)] = entry.Command;
            }
        }
    }

    /// <summary>
    /// Invariant 4: <paramref name="node"/> committed its entries (<paramref name="fromIndex"/>,
    /// <paramref name="toIndex"/>]. Every node must commit the same entry at each index, in order.
    /// </summary>
    public void ObserveCommit(NodeId node, IReadOnlyList<LogEntry> log, long fromIndex, long toIndex, long commitTerm = long.MaxValue, long firstIndex = 1)
    {
        ArgumentNullException.ThrowIfNull(log);
        for (var index = Math.Max(fromIndex + 1, firstIndex); index <= toIndex; index++)
        {
            var entry = log[(int)(index - firstIndex)];
            if (index <= _committed.Count)
            {
                var committed = _committed[(int)(index - 1)];
                if (committed.Term != entry.Term || !committed.Command.Equals(entry.Command))
                {
                    Report(Invariant.LogMatching, $"{node} committed {entry.Command} (term {entry.Term}) at index {index}, where {committed.Command} (term {committed.Term}) was committed before");
                }
            }
            else if (index == _committed.Count + 1)
            {
                _committed.Add(entry);
                _commitTerms.Add(commitTerm);
                NoteCommitted(entry);
            }
            else
            {
                Report(Invariant.LogMatching, $"{node} committed index {index} while only {_committed.Count} entries are known committed");
            }
        }
    }

    /// <summary>
    /// Invariant 4 at restart: the persisted committed prefix of <paramref name="node"/> is intact. A commit that was
    /// persisted by a batch whose node crashed before its effects were seen is recorded here.
    /// </summary>
    public void ObserveRestored(NodeId node, IReadOnlyList<LogEntry> log, long commitIndex, long term = long.MaxValue, Snapshot? snapshot = null)
    {
        ArgumentNullException.ThrowIfNull(log);
        // A restarted node ignores entries its snapshot covers, and a tail that does not continue it.
        var snapshotIndex = snapshot?.LastIncludedIndex ?? 0;
        if (snapshot is not null)
        {
            ObserveSnapshot(node, snapshot);
            var continues = log.Count == 0 || log[0].Index == snapshotIndex + 1 || log.Any(e => e.Index == snapshotIndex && e.Term == snapshot.LastIncludedTerm);
            log = continues ? log.Where(e => e.Index > snapshotIndex).ToArray() : [];
            commitIndex = Math.Max(commitIndex, snapshotIndex);
        }

        var firstIndex = snapshotIndex + 1;
        if (commitIndex > _committed.Count)
        {
            ObserveCommit(node, log, _committed.Count, commitIndex, term, firstIndex);
        }

        var checkUpTo = Math.Min(commitIndex, _committed.Count);
        for (var index = firstIndex; index <= checkUpTo; index++)
        {
            var entry = log[(int)(index - firstIndex)];
            var committed = _committed[(int)(index - 1)];
            if (entry.Term != committed.Term || !entry.Command.Equals(committed.Command))
            {
                Report(Invariant.LogMatching, $"{node} restarted with {entry.Command} at committed index {index}, where {committed.Command} was committed");
                return;
            }
        }
    }
}
