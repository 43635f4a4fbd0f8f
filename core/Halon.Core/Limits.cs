namespace Halon.Core;

/// <summary>Every bound the core enforces, in one place. Names end with their unit.</summary>
public static class Limits
{
    /// <summary>Most peers in a tracking station. Raft works with more, but bootstrap is meant for a small station.</summary>
    public const int PeersMax = 7;

    /// <summary>
    /// Most learners (peers being added, catching up before they vote) in a station's configuration at once.
    /// </summary>
    public const int LearnersMax = 2;

    /// <summary>Most satellites one station tracks (the design asks for at least 10,000).</summary>
    public const int SatellitesMax = 100_000;

    /// <summary>Most tombstones of removed satellites one station keeps (each a node id and an installation id).</summary>
    public const int RemovedSatellitesMax = 100_000;

    /// <summary>Most satellite acknowledgements appended but not yet committed; further NodeUps are dropped and retried.</summary>
    public const int PendingAcknowledgementsMax = 4_096;

    /// <summary>Most log entries carried by one AppendEntries message.</summary>
    public const int AppendEntriesEntriesMax = 256;

    /// <summary>Most bytes of snapshot data carried by one InstallSnapshot message.</summary>
    public const int SnapshotChunkBytesMax = 256 * 1024;

    /// <summary>
    /// Largest encoded snapshot a node builds or accepts, in bytes: 100,000 satellites of typical size take about
    /// 10 MB; this leaves room for the longest node ids and hostnames while bounding what a follower buffers.
    /// </summary>
    public const int SnapshotBytesMax = 256 * 1024 * 1024;

    /// <summary>Highest snapshot threshold (applied entries between snapshots) the options accept.</summary>
    public const int SnapshotThresholdEntriesMax = 1 << 20;

    /// <summary>Most messages one input may produce; exceeding it is a bug in the core.</summary>
    public const int ReadyMessagesMax = 16_384;

    /// <summary>Longest hostname reported in host facts, in characters.</summary>
    public const int HostnameLengthMax = 255;
}
