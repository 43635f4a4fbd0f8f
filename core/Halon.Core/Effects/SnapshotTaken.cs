namespace Halon.Core.Effects;

/// <summary>
/// The node took a snapshot of its applied state at <paramref name="LastIncludedIndex"/> (term
/// <paramref name="LastIncludedTerm"/>) and dropped the log entries it covers.
/// </summary>
public sealed record SnapshotTaken(long LastIncludedIndex, long LastIncludedTerm, int Satellites) : Effect;
