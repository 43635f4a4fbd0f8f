using Halon.Core.Identity;

namespace Halon.Core.Persistence;

/// <summary>
/// The station's configuration becomes <paramref name="Config"/>. Unlike every other entry, it takes effect on each
/// node as soon as the node holds it in its log, committed or not (and is undone if the entry is cut away), as in
/// Raft's single-server changes; a master appends one only when the previous one is committed and an entry of its own
/// term is committed, and only one that differs from the current configuration by at most one voter.
/// </summary>
public sealed record StationConfigCommand(StationConfig Config) : EntryCommand;
