using Halon.Core.Identity;

namespace Halon.Core.Effects;

/// <summary>
/// The node installed the snapshot at <paramref name="LastIncludedIndex"/> (term <paramref name="LastIncludedTerm"/>)
/// that master <paramref name="From"/> sent, moving its commit index from <paramref name="FromCommitIndex"/>.
/// </summary>
public sealed record SnapshotInstalled(NodeId From, long LastIncludedIndex, long LastIncludedTerm, long FromCommitIndex, int Satellites) : Effect;
