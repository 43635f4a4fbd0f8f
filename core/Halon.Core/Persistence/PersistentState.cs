namespace Halon.Core.Persistence;

/// <summary>Everything a node persisted, handed back to the core when it restarts.</summary>
public sealed record PersistentState(HardState HardState, RoleConfig Role, IReadOnlyList<LogEntry> Log)
{
    /// <summary>The state of a node that has never persisted anything.</summary>
    public static PersistentState Empty { get; } = new(HardState.Initial, RoleConfig.None, Array.Empty<LogEntry>());
}
