using System.Globalization;
using Halon.Core.Identity;

namespace Halon.Core;

/// <summary>
/// The timing a whole station runs with: the master's heartbeat interval, the election timeout E and the clock-drift
/// bound ρ, from which the lease follows. The lease argument needs every peer to use the same values, so they are part
/// of the station's identity: chosen once at <c>halonctl bootstrap station</c>, persisted with the role, folded into
/// the station's cluster id (peers given other timing form another station and are refused), and shown by status.
/// Times are in ticks (10 ms in <c>halond</c>).
/// </summary>
/// <param name="Name">The profile's name (<c>lan</c>, <c>wan</c>, <c>legacy</c>), or <c>custom</c>.</param>
/// <param name="HeartbeatIntervalTicks">The master sends AppendEntries (a heartbeat when empty) this often.</param>
/// <param name="ElectionTimeoutTicks">E: see <see cref="ProtocolOptions.ElectionTimeoutTicks"/>.</param>
/// <param name="ClockDriftFactor">ρ: see <see cref="ProtocolOptions.ClockDriftFactor"/>.</param>
public sealed record StationTiming(string Name, int HeartbeatIntervalTicks, int ElectionTimeoutTicks, double ClockDriftFactor)
{
    /// <summary>
    /// The default for a station on one site (chosen by measurement, docs/benchmarks.md): a heartbeat every 50 ms and
    /// E = 250 ms, above Linux's 200 ms minimum TCP retransmission timeout, so that one lost segment does not cost an
    /// election, and low enough that a failover takes about 300 ms.
    /// </summary>
    public static StationTiming Lan { get; } = new("lan", 5, 25, 1.1);

    /// <summary>For peers across sites (tens of milliseconds apart): a heartbeat every 200 ms, E = 1.5 s.</summary>
    public static StationTiming Wan { get; } = new("wan", 20, 150, 1.1);

    /// <summary>
    /// The timing of stations bootstrapped before timing was part of the station (a heartbeat every tick, E = 150 ms),
    /// and of the simulator's and tests' defaults. A station with it keeps its old cluster id.
    /// </summary>
    public static StationTiming Legacy { get; } = new("legacy", 1, 15, 1.1);

    /// <summary>The named profiles.</summary>
    public static IReadOnlyList<StationTiming> Profiles { get; } = [Lan, Wan, Legacy];

    /// <summary>The lease L = ⌊(E − 2)/ρ⌋ this timing gives.</summary>
    public int LeaseTicks => ProtocolOptions.Default.WithTiming(this).LeaseTicks;

    /// <summary>Whether two timings have the same values (the name does not matter).</summary>
    public bool SameValues(StationTiming other) =>
        other is not null && HeartbeatIntervalTicks == other.HeartbeatIntervalTicks && ElectionTimeoutTicks == other.ElectionTimeoutTicks && ClockDriftFactor.Equals(other.ClockDriftFactor);

    /// <summary>
    /// The cluster id of a station of <paramref name="peers"/> with this timing: the peer set's own id for the legacy
    /// timing (so that stations bootstrapped before timing existed keep theirs), otherwise a hash over both.
    /// </summary>
    public string ClusterIdFor(PeerSet peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        if (SameValues(Legacy))
        {
            return peers.ClusterId;
        }

        const ulong prime = 1099511628211UL;
        var hash = 14695981039346656037UL;
        foreach (var c in peers.ClusterId + "|" + Canonical)
        {
            hash = (hash ^ (byte)c) * prime;
        }

        return "halon-" + hash.ToString("x16", CultureInfo.InvariantCulture);
    }

    /// <summary>The values, in a fixed form: <c>heartbeat=5,election=25,drift=1.1</c> (ticks).</summary>
    public string Canonical => string.Create(CultureInfo.InvariantCulture, $"heartbeat={HeartbeatIntervalTicks},election={ElectionTimeoutTicks},drift={ClockDriftFactor:0.###}");

    /// <summary>Throws <see cref="ArgumentException"/> when these values break the lease argument or its bounds.</summary>
    public void Validate() => ProtocolOptions.Default.WithTiming(this).Validate();

    public override string ToString() => $"{Name} ({Canonical})";
}
