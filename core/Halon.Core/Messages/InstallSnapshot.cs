using Halon.Core.Identity;

namespace Halon.Core.Messages;

/// <summary>
/// One chunk of the master's snapshot, sent to a follower whose next entry the master's log no longer holds.
/// <see cref="Data"/> holds the bytes of the encoded snapshot from <see cref="Offset"/>, at most
/// <see cref="Limits.SnapshotChunkBytesMax"/>; <see cref="Done"/> marks the last chunk. Like AppendEntries, it carries
/// <see cref="LeaderTick"/> (echoed for the lease) and <see cref="CoordinatorEpoch"/>.
/// </summary>
public sealed record InstallSnapshot(
    NodeId From,
    NodeId To,
    string ClusterId,
    long Term,
    long LastIncludedIndex,
    long LastIncludedTerm,
    long Offset,
    ReadOnlyMemory<byte> Data,
    bool Done,
    long LeaderTick,
    long CoordinatorEpoch) : StationMessage(From, To, ClusterId, Term);
