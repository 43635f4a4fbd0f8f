namespace Halon.Core;

/// <summary>
/// Timers of the protocol, in ticks. The daemon ticks every <c>10 ms</c>; the simulator's tick is the same unit of
/// logical time. Validate with <see cref="Validate"/>; the node refuses options that break the lease argument.
/// </summary>
public sealed record ProtocolOptions
{
    /// <summary>The defaults used by halond, the simulator and Coyote.</summary>
    public static ProtocolOptions Default { get; } = new();

    /// <summary>The master sends AppendEntries (a heartbeat when empty) this often.</summary>
    public int HeartbeatIntervalTicks { get; init; } = 1;

    /// <summary>
    /// The minimum election timeout E. Followers campaign after a random timeout in [E, 2E-1] without hearing from a
    /// master, grant no (pre-)vote within E of hearing from one, and a master steps down if a majority has not
    /// answered within E (check-quorum).
    /// </summary>
    public int ElectionTimeoutTicks { get; init; } = 15;

    /// <summary>
    /// The stated clock-drift bound ρ: over any interval, one node's tick count is at most ρ times another's (plus one
    /// tick of granularity). Halon's original used 1.1.
    /// </summary>
    public double ClockDriftFactor { get; init; } = 1.1;

    /// <summary>How often a station peer probes its peers while waiting for quorum.</summary>
    public int QuorumProbeIntervalTicks { get; init; } = 2;

    /// <summary>How often a station peer probes its peers once quorum has been seen, to keep status fresh.</summary>
    public int PeerProbeIntervalTicks { get; init; } = 10;

    /// <summary>A peer counts as reachable, and as evidence towards quorum, if heard from within this many ticks.</summary>
    public int PeerReachableTicks { get; init; } = 30;

    /// <summary>A satellite's first retry interval; it doubles up to <see cref="AnnounceBackoffTicksMax"/>.</summary>
    public int AnnounceBackoffTicksMin { get; init; } = 2;

    /// <summary>A satellite's longest retry interval (plus up to half of it again as jitter).</summary>
    public int AnnounceBackoffTicksMax { get; init; } = 32;

    /// <summary>
    /// Most satellites the station tracks, acknowledged or waiting for commit; at most
    /// <see cref="Limits.SatellitesMax"/>. Lower it only to exercise the limit at a small scale.
    /// </summary>
    public int SatellitesMax { get; init; } = Limits.SatellitesMax;

    /// <summary>
    /// Most log entries a master sends in one AppendEntries, at most <see cref="Limits.AppendEntriesEntriesMax"/> (what
    /// a follower accepts). Lower it only to exercise replication entry by entry.
    /// </summary>
    public int EntriesPerAppendMax { get; init; } = Limits.AppendEntriesEntriesMax;

    /// <summary>
    /// A station peer snapshots its applied state, and drops the log entries the snapshot covers, once this many
    /// applied entries follow its last snapshot. Lower values keep the log (and restart) shorter at the cost of
    /// snapshotting more often; the simulator sets it low so that every run compacts.
    /// </summary>
    public int SnapshotThresholdEntries { get; init; } = 4_096;

    /// <summary>
    /// Bytes of snapshot per InstallSnapshot chunk, at most <see cref="Limits.SnapshotChunkBytesMax"/>. Lower it only to
    /// exercise installs in many chunks.
    /// </summary>
    public int SnapshotChunkBytes { get; init; } = Limits.SnapshotChunkBytesMax;

    /// <summary>Ticks the supervisor waits before restarting a crashed coordinator.</summary>
    public int CoordinatorRestartDelayTicks { get; init; } = 1;

    /// <summary>
    /// The master's lease L, derived: L = floor((E − 2) / ρ). A master times its lease from the tick at which it sent
    /// the heartbeat that a majority has since acknowledged, and stops its coordinator at that tick + L. A follower
    /// that acknowledged it grants no vote until E of its own ticks have passed, which takes longer in real time than
    /// L ticks of the master, whatever their drift within ρ. docs/protocol.md has the argument in full.
    /// </summary>
    public int LeaseTicks => (int)Math.Floor((ElectionTimeoutTicks - 2) / ClockDriftFactor);

    /// <summary>The station timing these options hold (named after the profile whose values they match, else <c>custom</c>).</summary>
    public StationTiming Timing
    {
        get
        {
            var values = new StationTiming("custom", HeartbeatIntervalTicks, ElectionTimeoutTicks, ClockDriftFactor);
            return StationTiming.Profiles.FirstOrDefault(p => p.SameValues(values)) ?? values;
        }
    }

    /// <summary>These options with a station's timing in place of their own.</summary>
    public ProtocolOptions WithTiming(StationTiming timing)
    {
        ArgumentNullException.ThrowIfNull(timing);
        return this with
        {
            HeartbeatIntervalTicks = timing.HeartbeatIntervalTicks,
            ElectionTimeoutTicks = timing.ElectionTimeoutTicks,
            ClockDriftFactor = timing.ClockDriftFactor,
        };
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option that is out of range.</summary>
    public void Validate()
    {
        Require(HeartbeatIntervalTicks >= 1, $"{nameof(HeartbeatIntervalTicks)} must be at least 1 (is {HeartbeatIntervalTicks})");
        Require(ElectionTimeoutTicks >= 5, $"{nameof(ElectionTimeoutTicks)} must be at least 5 (is {ElectionTimeoutTicks})");
        Require(ClockDriftFactor is >= 1.0 and <= 2.0, $"{nameof(ClockDriftFactor)} must be in [1, 2] (is {ClockDriftFactor})");
        Require(LeaseTicks > HeartbeatIntervalTicks, $"the lease ({LeaseTicks} ticks) must be longer than the heartbeat interval ({HeartbeatIntervalTicks} ticks); raise {nameof(ElectionTimeoutTicks)}");
        Require(QuorumProbeIntervalTicks >= 1, $"{nameof(QuorumProbeIntervalTicks)} must be at least 1");
        Require(PeerProbeIntervalTicks >= QuorumProbeIntervalTicks, $"{nameof(PeerProbeIntervalTicks)} must be at least {nameof(QuorumProbeIntervalTicks)}");
        Require(PeerReachableTicks > PeerProbeIntervalTicks, $"{nameof(PeerReachableTicks)} must exceed {nameof(PeerProbeIntervalTicks)}");
        Require(AnnounceBackoffTicksMin >= 1, $"{nameof(AnnounceBackoffTicksMin)} must be at least 1");
        Require(AnnounceBackoffTicksMax >= AnnounceBackoffTicksMin, $"{nameof(AnnounceBackoffTicksMax)} must be at least {nameof(AnnounceBackoffTicksMin)}");
        Require(SatellitesMax is >= 1 and <= Limits.SatellitesMax, $"{nameof(SatellitesMax)} must be in 1..{Limits.SatellitesMax} (is {SatellitesMax})");
        Require(EntriesPerAppendMax is >= 1 and <= Limits.AppendEntriesEntriesMax, $"{nameof(EntriesPerAppendMax)} must be in 1..{Limits.AppendEntriesEntriesMax} (is {EntriesPerAppendMax})");
        Require(SnapshotThresholdEntries is >= 1 and <= Limits.SnapshotThresholdEntriesMax, $"{nameof(SnapshotThresholdEntries)} must be in 1..{Limits.SnapshotThresholdEntriesMax} (is {SnapshotThresholdEntries})");
        Require(SnapshotChunkBytes is >= 1 and <= Limits.SnapshotChunkBytesMax, $"{nameof(SnapshotChunkBytes)} must be in 1..{Limits.SnapshotChunkBytesMax} (is {SnapshotChunkBytes})");
        Require(CoordinatorRestartDelayTicks >= 0, $"{nameof(CoordinatorRestartDelayTicks)} must not be negative");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
