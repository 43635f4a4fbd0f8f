using Halon.Core.Persistence;
using Halon.Core.Protocol;

namespace Halon.Simulation.Harness;

/// <summary>
/// A node's persisted state. It survives crashes. Writes follow the daemon's order: the snapshot first (written
/// whole, then renamed into place), then the log prefix it covers is dropped, then the log entries, then the role,
/// then the hard state, so a torn write can land a prefix of that sequence and nothing after it.
/// </summary>
public sealed class SimDisk
{
    private readonly List<LogEntry> _log = new();
    private HardState _hardState = HardState.Initial;
    private RoleConfig _role = RoleConfig.None;
    private Snapshot? _snapshot;

    /// <summary>Persisted writes so far.</summary>
    public long Writes { get; private set; }

    /// <summary>Snapshots persisted so far.</summary>
    public long SnapshotWrites { get; private set; }

    /// <summary>The persisted log entries (from some index on; those a snapshot covers may linger after a torn write).</summary>
    public IReadOnlyList<LogEntry> Log => _log;

    /// <summary>The last persisted index: the last entry's, else the snapshot's, else 0.</summary>
    public long LastIndex => Math.Max(_log.Count > 0 ? _log[^1].Index : 0, _snapshot?.LastIncludedIndex ?? 0);

    /// <summary>The persisted snapshot, or null.</summary>
    public Snapshot? Snapshot => _snapshot;

    /// <summary>The persisted role.</summary>
    public RoleConfig Role => _role;

    /// <summary>The persisted hard state.</summary>
    public HardState HardState => _hardState;

    /// <summary>
    /// The points at which a write of <paramref name="ready"/> can be torn: after the snapshot's rename, after the
    /// covered prefix is dropped (both only when it carries a snapshot), and after each entry.
    /// </summary>
    public static int WriteSteps(in Ready ready) => (ready.Snapshot is null ? 0 : 2) + ready.Entries.Count;

    /// <summary>Makes the whole batch durable.</summary>
    public void Apply(in Ready ready)
    {
        Writes++;
        ApplyPrefix(ready, int.MaxValue);
        if (ready.Role is not null)
        {
            _role = ready.Role;
        }

        if (ready.HardState is { } hard)
        {
            _hardState = hard;
        }
    }

    /// <summary>
    /// A torn write: only the first <paramref name="stepsLanded"/> of <see cref="WriteSteps"/> land. A snapshot lands
    /// whole or not at all (its file is renamed into place only once complete).
    /// </summary>
    public void ApplyTorn(in Ready ready, int stepsLanded)
    {
        Writes++;
        ApplyPrefix(ready, stepsLanded);
    }

    /// <summary>The data dir is lost (a reinstall): nothing persisted remains.</summary>
    public void Wipe()
    {
        _log.Clear();
        _hardState = HardState.Initial;
        _role = RoleConfig.None;
        _snapshot = null;
    }

    /// <summary>What a restarted node reads back.</summary>
    public PersistentState Read() => new(_hardState, _role, _log.ToArray()) { Snapshot = _snapshot };

    private void ApplyPrefix(in Ready ready, int steps)
    {
        if (ready.Snapshot is { } snapshot)
        {
            if (steps-- <= 0)
            {
                return;
            }

            _snapshot = snapshot;
            SnapshotWrites++;
            if (steps-- <= 0)
            {
                return;
            }

            _log.RemoveAll(e => e.Index <= snapshot.LastIncludedIndex);
        }

        if (ready.EntriesFromIndex == 0)
        {
            return;
        }

        var from = ready.EntriesFromIndex;
        _log.RemoveAll(e => e.Index >= from);
        for (var i = 0; i < ready.Entries.Count && steps-- > 0; i++)
        {
            _log.Add(ready.Entries[i]);
        }
    }
}
