namespace Halon.Core.Status;

/// <summary>Where the coordinator runs, as far as this node knows, and its epoch.</summary>
public sealed record CoordinatorInfo(string Node, long Epoch);
