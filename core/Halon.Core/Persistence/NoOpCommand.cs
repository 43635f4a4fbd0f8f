namespace Halon.Core.Persistence;

/// <summary>
/// The entry a new master appends at the start of its term. Once it commits, everything before it is committed too,
/// so the coordinator can start on a complete state.
/// </summary>
public sealed record NoOpCommand : EntryCommand
{
    /// <summary>The one instance.</summary>
    public static NoOpCommand Instance { get; } = new();
}
