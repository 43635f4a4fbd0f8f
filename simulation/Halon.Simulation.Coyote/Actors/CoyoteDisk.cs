using Halon.Core.Persistence;
using Halon.Core.Protocol;

namespace Halon.Simulation.Coyote.Actors;

/// <summary>
/// A node's persisted state: it outlives crashes of the node's process. Writes follow the daemon's order (log entries,
/// then the role, then the hard state; a snapshot first, then the log prefix it covers is dropped), and a batch is
/// durable before any of its messages leaves.
/// </summary>
internal sealed class CoyoteDisk
{
    private readonly List<LogEntry> _log = new();
    private HardState _hardState = HardState.Initial;
    private RoleConfig _role = RoleConfig.None;
    private Snapshot? _snapshot;

    /// <summary>Makes the persisted part of <paramref name="ready"/> durable.</summary>
    public void Apply(in Ready ready)
    {
        if (ready.Snapshot is { } snapshot)
        {
            _snapshot = snapshot;
            _log.RemoveAll(e => e.Index <= snapshot.LastIncludedIndex);
        }

        if (ready.EntriesFromIndex != 0)
        {
            var from = ready.EntriesFromIndex;
            _log.RemoveAll(e => e.Index >= from);
            _log.AddRange(ready.Entries);
        }

        if (ready.Role is not null)
        {
            _role = ready.Role;
        }

        if (ready.HardState is { } hard)
        {
            _hardState = hard;
        }
    }

    /// <summary>The persisted hard state.</summary>
    public HardState HardState => _hardState;

    /// <summary>The last persisted index: the last entry's or the snapshot's, whichever is higher.</summary>
    public long LastIndex => Math.Max(_log.Count > 0 ? _log[^1].Index : 0, _snapshot?.LastIncludedIndex ?? 0);

    /// <summary>What a restarted node reads back.</summary>
    public PersistentState Read() => new(_hardState, _role, _log.ToArray()) { Snapshot = _snapshot };
}
