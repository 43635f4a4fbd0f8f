using Halon.Core.Identity;

namespace Halon.Core.Messages;

/// <summary>
/// A follower's answer to an <see cref="InstallSnapshot"/> chunk of the snapshot at <see cref="LastIncludedIndex"/>.
/// <see cref="NextOffset"/> is the offset of the chunk it expects next (0: start again). Once the last chunk is in,
/// <see cref="Installed"/> is true and the follower's log matches the master's up to <see cref="LastIncludedIndex"/>.
/// </summary>
public sealed record InstallSnapshotResponse(
    NodeId From,
    NodeId To,
    string ClusterId,
    long Term,
    long LastIncludedIndex,
    long NextOffset,
    bool Installed,
    long LeaderTick) : StationMessage(From, To, ClusterId, Term);
