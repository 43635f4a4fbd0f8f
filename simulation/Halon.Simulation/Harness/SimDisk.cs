using Halon.Core.Persistence;
using Halon.Core.Protocol;

namespace Halon.Simulation.Harness;

/// <summary>
/// A node's persisted state. It survives crashes. Writes follow the daemon's order: log entries first, then the role,
/// then the hard state, so a torn write can land a prefix of that sequence and nothing after it.
/// </summary>
public sealed class SimDisk
{
    private readonly List<LogEntry> _log = new();
    private HardState _hardState = HardState.Initial;
    private RoleConfig _role = RoleConfig.None;

    /// <summary>Persisted writes so far.</summary>
    public long Writes { get; private set; }

    /// <summary>The persisted log.</summary>
    public IReadOnlyList<LogEntry> Log => _log;

    /// <summary>The persisted hard state.</summary>
    public HardState HardState => _hardState;

    /// <summary>Makes the whole batch durable.</summary>
    public void Apply(in Ready ready)
    {
        Writes++;
        ApplyEntries(ready, ready.Entries.Count);
        if (ready.Role is not null)
        {
            _role = ready.Role;
        }

        if (ready.HardState is { } hard)
        {
            _hardState = hard;
        }
    }

    /// <summary>A torn write: only the first <paramref name="entriesLanded"/> entries land.</summary>
    public void ApplyTorn(in Ready ready, int entriesLanded)
    {
        Writes++;
        ApplyEntries(ready, Math.Min(entriesLanded, ready.Entries.Count));
    }

    /// <summary>The data dir is lost (a reinstall): nothing persisted remains.</summary>
    public void Wipe()
    {
        _log.Clear();
        _hardState = HardState.Initial;
        _role = RoleConfig.None;
    }

    /// <summary>What a restarted node reads back.</summary>
    public PersistentState Read() => new(_hardState, _role, _log.ToArray());

    private void ApplyEntries(in Ready ready, int count)
    {
        if (ready.EntriesFromIndex == 0)
        {
            return;
        }

        var keep = (int)Math.Min(ready.EntriesFromIndex - 1, _log.Count);
        _log.RemoveRange(keep, _log.Count - keep);
        for (var i = 0; i < count; i++)
        {
            _log.Add(ready.Entries[i]);
        }
    }
}
