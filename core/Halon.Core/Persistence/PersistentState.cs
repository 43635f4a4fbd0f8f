namespace Halon.Core.Persistence;

/// <summary>
/// Everything a node persisted, handed back to the core when it restarts: its hard state, its role, its latest
/// snapshot (if it took or installed one) and the log. Entries the snapshot covers may still be in
/// <see cref="Log"/> (a crash between writing the snapshot and cutting the log); the node drops them.
/// </summary>
public sealed record PersistentState(HardState HardState, RoleConfig Role, IReadOnlyList<LogEntry> Log)
{
    /// <summary>The state of a node that has never persisted anything.</summary>
    public static PersistentState Empty { get; } = new(HardState.Initial, RoleConfig.None, Array.Empty<LogEntry>());

    /// <summary>The latest durable snapshot, or null when the node never took or installed one.</summary>
    public Snapshot? Snapshot { get; init; }
}
