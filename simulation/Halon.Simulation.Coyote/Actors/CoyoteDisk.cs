using Halon.Core.Persistence;
using Halon.Core.Protocol;

namespace Halon.Simulation.Coyote.Actors;

/// <summary>
/// A node's persisted state: it outlives crashes of the node's process. Writes follow the daemon's order (log entries,
/// then the role, then the hard state), and a batch is durable before any of its messages leaves.
/// </summary>
internal sealed class CoyoteDisk
{
    private readonly List<LogEntry> _log = new();
    private HardState _hardState = HardState.Initial;
    private RoleConfig _role = RoleConfig.None;

    /// <summary>Makes the persisted part of <paramref name="ready"/> durable.</summary>
    public void Apply(in Ready ready)
    {
        if (ready.EntriesFromIndex != 0)
        {
            var keep = (int)Math.Min(ready.EntriesFromIndex - 1, _log.Count);
            _log.RemoveRange(keep, _log.Count - keep);
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

    /// <summary>How many entries the persisted log holds.</summary>
    public int LogLength => _log.Count;

    /// <summary>What a restarted node reads back.</summary>
    public PersistentState Read() => new(_hardState, _role, _log.ToArray());
}
