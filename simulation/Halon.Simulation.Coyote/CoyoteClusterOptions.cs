using Halon.Core;
using Halon.Simulation.Coyote.Actors;

namespace Halon.Simulation.Coyote;

/// <summary>
/// The shape of one Coyote test iteration: the cluster, the protocol's timers, the rounds of logical time, and the
/// nemesis' fault budget. Every value drawn within those bounds is a controlled choice, so a trace replays it.
/// </summary>
public sealed record CoyoteClusterOptions
{
    /// <summary>
    /// Protocol timers for Coyote: valid (see <see cref="ProtocolOptions.Validate"/>) but short, so that an iteration
    /// holds several elections in a few hundred rounds. E = 6 gives a lease of floor((6 − 2) / 1.1) = 3 ticks.
    /// </summary>
    public static ProtocolOptions CoyoteProtocol { get; } = new()
    {
        ElectionTimeoutTicks = 6,
        PeerProbeIntervalTicks = 8,
        PeerReachableTicks = 20,
        AnnounceBackoffTicksMax = 8,
        // Low, so that every iteration compacts and peers that fall behind catch up by snapshot, in several chunks.
        SnapshotThresholdEntries = 3,
        SnapshotChunkBytes = 48,
    };

    /// <summary>Station peers (1 to <see cref="Limits.PeersMax"/>).</summary>
    public int Peers { get; init; } = 3;

    /// <summary>
    /// Spare nodes: station-capable machines beyond the initial peers (<c>p{Peers + 1}</c>…), with no role until a
    /// membership change joins them. Peers and spares together are at most <see cref="Limits.PeersMax"/>.
    /// </summary>
    public int Spares { get; init; }

    /// <summary>
    /// Changes of the station's peers the nemesis makes in the fault phase (0: none): each adds a node, removes one or
    /// replaces one with another, all of Coyote's choosing, at a round of Coyote's choosing; the node to add is told to
    /// join first, and the change goes to every station node (only the coordinator decides), again two and five rounds
    /// later, as an operator repeats a change until it is done.
    /// </summary>
    public int MembershipChanges { get; init; }

    /// <summary>Satellites (0 to <see cref="SatellitesMax"/>).</summary>
    public int Satellites { get; init; } = 2;

    /// <summary>Most satellites in a Coyote cluster: every node is an actor, and every actor multiplies the schedules.</summary>
    public const int SatellitesMax = 32;

    /// <summary>The protocol's timers.</summary>
    public ProtocolOptions Protocol { get; init; } = CoyoteProtocol;

    /// <summary>
    /// The drift the clocks actually have, within which <see cref="DriftRule"/> lets them lag; null (the default) is the
    /// protocol's stated bound <see cref="ProtocolOptions.ClockDriftFactor"/>. Only a test that shows the lease failing
    /// when clocks break the stated bound sets it higher.
    /// </summary>
    public double? ModelledClockDriftFactor { get; init; }

    /// <summary>halonctl bootstraps each node at a round drawn from 1 to this.</summary>
    public int BootstrapRoundsMax { get; init; } = 3;

    /// <summary>Rounds of the fault phase; the nemesis heals at the start of the round after them.</summary>
    public int FaultRounds { get; init; } = 60;

    /// <summary>
    /// Rounds after the heal within which a coordinator must run and every satellite must be acknowledged; the
    /// iteration ends after them, and the Liveness monitor must be cold by then.
    /// </summary>
    public int LivenessRounds { get; init; } = 60;

    /// <summary>
    /// Node and network faults (partitions, crashes, pauses, coordinator crashes) the nemesis injects in the fault
    /// phase, each at a round of Coyote's choosing.
    /// </summary>
    public int FaultBudget { get; init; } = 10;

    /// <summary>Messages the network may lose, duplicate or delay across rounds, in total, during the fault phase.</summary>
    public int MessageFaultBudget { get; init; } = 12;

    /// <summary>Each message sent during the fault phase is lost, duplicated or delayed with a chance of three in this.</summary>
    public int MessageFaultOneIn { get; init; } = 48;

    /// <summary>A crashed node restarts within this many rounds (or at the heal).</summary>
    public int RestartDelayRoundsMax { get; init; } = 12;

    /// <summary>A paused node resumes within this many rounds (or at the heal).</summary>
    public int PauseRoundsMax { get; init; } = 8;

    /// <summary>A delayed message arrives within this many rounds after the one it was sent in.</summary>
    public int DelayRoundsMax { get; init; } = 3;

    /// <summary>
    /// The actor type of every node: <see cref="NodeActor"/>, or a subclass (the tests' deliberately broken doubles).
    /// </summary>
    public Type NodeActorType { get; init; } = typeof(NodeActor);

    /// <summary>All nodes: the peers, then the spares, then the satellites.</summary>
    public int Nodes => Peers + Spares + Satellites;

    /// <summary>The station-capable machines: the peers and the spares (nodes 0 to this − 1).</summary>
    public int StationNodes => Peers + Spares;

    /// <summary>Rounds in one iteration.</summary>
    public int TotalRounds => FaultRounds + LivenessRounds;

    /// <summary>The round at whose start the nemesis heals every fault.</summary>
    public int HealRound => FaultRounds + 1;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        Require(Peers is >= 1 and <= Limits.PeersMax, $"--peers must be in 1..{Limits.PeersMax} (is {Peers})");
        Require(Satellites is >= 0 and <= SatellitesMax, $"--satellites must be in 0..{SatellitesMax} (is {Satellites})");
        Require(Spares >= 0 && Peers + Spares <= Limits.PeersMax, $"--spares must be in 0..{Limits.PeersMax - Peers} with {Peers} peers (is {Spares})");
        Require(MembershipChanges is >= 0 and <= 64, $"--membership-changes must be in 0..64 (is {MembershipChanges})");
        Require(BootstrapRoundsMax >= 1, $"{nameof(BootstrapRoundsMax)} must be at least 1");
        Require(FaultRounds >= BootstrapRoundsMax, $"{nameof(FaultRounds)} must be at least {nameof(BootstrapRoundsMax)}");
        Require(LivenessRounds >= 1, $"{nameof(LivenessRounds)} must be at least 1");
        Require(FaultBudget >= 0 && MessageFaultBudget >= 0, "fault budgets must not be negative");
        Require(MessageFaultOneIn >= 3, $"{nameof(MessageFaultOneIn)} must be at least 3");
        Require(RestartDelayRoundsMax >= 1 && PauseRoundsMax >= 1 && DelayRoundsMax >= 1, "fault durations must be at least one round");
        Require(ModelledClockDriftFactor is null or (>= 1.0 and <= 2.0), $"{nameof(ModelledClockDriftFactor)} must be in [1, 2]");
        Require(NodeActorType is not null && typeof(NodeActor).IsAssignableFrom(NodeActorType), $"{nameof(NodeActorType)} must be {nameof(NodeActor)} or a subclass of it");
        Protocol.Validate();
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
