namespace Halon.Core.Persistence;

/// <summary>One entry of the station's replicated log. Indexes start at 1.</summary>
public sealed record LogEntry(long Index, long Term, EntryCommand Command);
