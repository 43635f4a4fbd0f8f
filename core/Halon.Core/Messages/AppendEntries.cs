using Halon.Core.Identity;
using Halon.Core.Persistence;

namespace Halon.Core.Messages;

/// <summary>
/// Replication and heartbeat from the master. <see cref="LeaderTick"/> is the master's own tick count when it sent
/// this; the follower echoes it, and the master times its lease from the newest tick a majority has echoed.
/// <see cref="CoordinatorEpoch"/> is the epoch of the coordinator running on the master, or 0.
/// </summary>
public sealed record AppendEntries(
    NodeId From,
    NodeId To,
    string ClusterId,
    long Term,
    long PrevLogIndex,
    long PrevLogTerm,
    IReadOnlyList<LogEntry> Entries,
    long LeaderCommit,
    long LeaderTick,
    long CoordinatorEpoch) : StationMessage(From, To, ClusterId, Term);
