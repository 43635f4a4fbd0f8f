namespace Halon.Core.Persistence;

/// <summary>A decision of the coordinator, as stored in the replicated log.</summary>
public abstract record EntryCommand;
