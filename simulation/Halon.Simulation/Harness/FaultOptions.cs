using Halon.Core;

namespace Halon.Simulation.Harness;

/// <summary>
/// The fault knobs of one run, named with their units. <see cref="None"/> is a perfect network of short delays;
/// <see cref="DrawSwarm"/> draws a mix from a seed, so each seed of a sweep explores a different corner.
/// </summary>
public sealed record FaultOptions
{
    /// <summary>No faults at all.</summary>
    public static FaultOptions None { get; } = new();

    /// <summary>Chance that a sent message is lost.</summary>
    public double PacketLossProbability { get; init; }

    /// <summary>Chance that a sent message is delivered twice (each copy with its own delay).</summary>
    public double PacketDuplicateProbability { get; init; }

    /// <summary>Shortest one-way delay, in ticks.</summary>
    public double OneWayDelayTicksMin { get; init; } = 0.05;

    /// <summary>Longest one-way delay, in ticks. A wide range reorders messages.</summary>
    public double OneWayDelayTicksMax { get; init; } = 0.5;

    /// <summary>Mean ticks between partition changes (0: no partitions).</summary>
    public double PartitionIntervalTicksMean { get; init; }

    /// <summary>Which partition shapes the nemesis may choose.</summary>
    public PartitionKinds PartitionKinds { get; init; }

    /// <summary>Chance per node per tick of a crash (volatile state lost, persisted state kept).</summary>
    public double CrashProbabilityPerTick { get; init; }

    /// <summary>Longest time a crashed node stays down before restarting, in ticks.</summary>
    public int RestartDelayTicksMax { get; init; } = 200;

    /// <summary>Chance that a batch is persisted but the node crashes before sending its messages.</summary>
    public double CrashAfterPersistProbability { get; init; }

    /// <summary>Chance that a persisting write is torn: a prefix of its entries lands, the rest does not, and the node crashes.</summary>
    public double TornWriteProbability { get; init; }

    /// <summary>Whether node clocks drift (tick periods differ and change, within the protocol's stated bound).</summary>
    public bool ClockDrift { get; init; }

    /// <summary>Chance per tick that the running coordinator crashes (its supervisor restarts it).</summary>
    public double CoordinatorCrashProbabilityPerTick { get; init; }

    /// <summary>Chance per node per tick of a process pause (GC, SIGSTOP).</summary>
    public double PauseProbabilityPerTick { get; init; }

    /// <summary>Longest pause, in ticks.</summary>
    public int PauseTicksMax { get; init; } = 40;

    /// <summary>
    /// With <see cref="ClockDrift"/>: the chance that a drawn tick period sits at an edge of the bound (the fastest or
    /// the slowest legal clock) instead of anywhere within it.
    /// </summary>
    public double DriftAtEdgeProbability { get; init; }

    /// <summary>Mean ticks between the targeted nemesis' scenarios (0: no targeted nemesis).</summary>
    public double LeaseScenarioIntervalTicksMean { get; init; }

    /// <summary>Which scenarios the targeted nemesis may choose.</summary>
    public LeaseScenarios LeaseScenarios { get; init; }

    /// <summary>
    /// Most log entries a master puts in one AppendEntries in this run (0: the protocol's default). Small values make
    /// followers lag entry by entry, which exposes commit rules (Raft's Figure 8) that big batches hide.
    /// </summary>
    public int EntriesPerAppendMax { get; init; }

    /// <summary>
    /// Applied entries between snapshots in this run (0: the protocol's default). Sweeps set it low so that every run
    /// compacts its log and lagging or restarted peers catch up by snapshot.
    /// </summary>
    public int SnapshotThresholdEntries { get; init; }

    /// <summary>Bytes per InstallSnapshot chunk in this run (0: the protocol's default); small values send many chunks.</summary>
    public int SnapshotChunkBytes { get; init; }

    /// <summary>Chance that a write carrying a snapshot is torn at the snapshot (before or after its rename) and the node crashes.</summary>
    public double SnapshotTornWriteProbability { get; init; }

    /// <summary>Chance that a master, right after sending a snapshot chunk, crashes or is cut off: an install racing an election.</summary>
    public double InstallRacesElectionProbability { get; init; }

    /// <summary>
    /// Whether a follower peer loses its data dir after the heal and is bootstrapped again: it must rejoin by snapshot.
    /// (Only after the heal: a peer that forgets its votes and log while other faults strike can break Raft's safety
    /// with any protocol, which is why operations.md asks for a wiped peer to be re-added on a healthy station.)
    /// </summary>
    public bool WipePeerAfterHeal { get; init; }

    /// <summary>
    /// The station timing of this run, when it is not the protocol options' own (null): a swarm runs a share of its
    /// seeds with the <c>lan</c> profile that <c>halond</c> stations use by default.
    /// </summary>
    public StationTiming? Timing { get; init; }

    /// <summary>
    /// Mean ticks between an operator's requests to remove a satellite (0: none). The request goes to the coordinator
    /// (or, one time in five, to any peer, which refuses); a satellite told it was removed is bootstrapped again after a
    /// while, and at the latest once faults stop.
    /// </summary>
    public double RemovalIntervalTicksMean { get; init; }

    /// <summary>
    /// Mean ticks between an operator's random changes of the station's peers (0: none): add a spare node, remove a
    /// voter (the master itself at times), or replace a voter with a spare, issued to the master like
    /// <c>halonctl station add|remove|replace</c> with its retries, racing every other fault. A run with it has spare
    /// nodes, outside the initial peer set (<see cref="SimulationOptions.Spares"/>).
    /// </summary>
    public double MembershipIntervalTicksMean { get; init; }

    /// <summary>Whether any fault is on.</summary>
    public bool Any =>
        PacketLossProbability > 0 || PacketDuplicateProbability > 0 || PartitionIntervalTicksMean > 0 || CrashProbabilityPerTick > 0 ||
        CrashAfterPersistProbability > 0 || TornWriteProbability > 0 || SnapshotTornWriteProbability > 0 || InstallRacesElectionProbability > 0 || WipePeerAfterHeal || ClockDrift || CoordinatorCrashProbabilityPerTick > 0 ||
        PauseProbabilityPerTick > 0 || OneWayDelayTicksMax > 0.5 || LeaseScenarioIntervalTicksMean > 0 || RemovalIntervalTicksMean > 0 ||
        MembershipIntervalTicksMean > 0;

    /// <summary>The fault names that <see cref="Parse"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "loss", "duplicate", "delay", "partition", "asymmetric", "bridge", "ring", "isolate-master", "crash", "persist-crash", "torn-write",
        "drift", "coordinator-crash", "pause", "lease", "majority-shift", "crash-after-ack", "pause-at-lease-edge", "late-copies",
        "master-crash-after-append", "isolate-master-briefly", "reinstall", "master-crash-after-commit", "figure-8", "stale-acknowledgement", "small-appends", "lan-timing",
        "compaction", "snapshot-torn-write", "install-election", "wipe-peer",
        "remove", "membership",
    ];

    /// <summary>The share of swarm seeds that change the station's peers while the other faults strike.</summary>
    public const double MembershipSwarmProbability = 0.3;

    /// <summary>Draws a fault mix from <paramref name="random"/> (swarm testing): each fault is on or off, at its own intensity.</summary>
    public static FaultOptions DrawSwarm(SimRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var kinds = PartitionKinds.None;
        foreach (var kind in new[] { PartitionKinds.Halves, PartitionKinds.Asymmetric, PartitionKinds.Bridge, PartitionKinds.MajorityRing, PartitionKinds.IsolateMaster, PartitionKinds.IsolateNode })
        {
            if (random.Chance(0.5))
            {
                kinds |= kind;
            }
        }

        // Half of the seeds also run the targeted nemesis with a random subset of its scenarios, so that a fair share of
        // every sweep is spent at lease and term boundaries rather than on uniform noise.
        var scenarios = LeaseScenarios.None;
        if (random.Chance(0.5))
        {
            foreach (var scenario in Enum.GetValues<LeaseScenarios>().Where(s => s is not (LeaseScenarios.None or LeaseScenarios.All)))
            {
                if (random.Chance(0.5))
                {
                    scenarios |= scenario;
                }
            }
        }

        var drift = random.Chance(0.5);
        var mix = new FaultOptions
        {
            SnapshotThresholdEntries = (int)random.NextInclusive(2, 16),
            SnapshotChunkBytes = random.Chance(0.5) ? (int)random.NextInclusive(16, 512) : 0,
            SnapshotTornWriteProbability = random.Chance(0.3) ? random.Uniform(0, 0.2) : 0,
            InstallRacesElectionProbability = random.Chance(0.3) ? random.Uniform(0, 0.1) : 0,
            WipePeerAfterHeal = random.Chance(0.3),
            Timing = random.Chance(0.3) ? StationTiming.Lan : null,
            LeaseScenarios = scenarios,
            LeaseScenarioIntervalTicksMean = scenarios != LeaseScenarios.None ? random.Uniform(20, 80) : 0,
            DriftAtEdgeProbability = drift && random.Chance(0.6) ? random.Uniform(0.5, 1) : 0,
            EntriesPerAppendMax = scenarios.HasFlag(LeaseScenarios.Figure8) || random.Chance(0.3) ? (int)random.NextInclusive(1, 3) : 0,
            PacketLossProbability = random.Chance(0.6) ? random.Uniform(0, 0.3) : 0,
            PacketDuplicateProbability = random.Chance(0.4) ? random.Uniform(0, 0.5) : 0,
            OneWayDelayTicksMin = 0.05,
            OneWayDelayTicksMax = random.Chance(0.5) ? random.Uniform(0.5, 6) : 0.5,
            PartitionIntervalTicksMean = kinds != PartitionKinds.None && random.Chance(0.7) ? random.Uniform(20, 200) : 0,
            PartitionKinds = kinds,
            CrashProbabilityPerTick = random.Chance(0.5) ? random.Uniform(0, 0.003) : 0,
            RestartDelayTicksMax = (int)random.NextInclusive(1, 200),
            CrashAfterPersistProbability = random.Chance(0.3) ? random.Uniform(0, 0.02) : 0,
            TornWriteProbability = random.Chance(0.3) ? random.Uniform(0, 0.02) : 0,
            ClockDrift = drift,
            CoordinatorCrashProbabilityPerTick = random.Chance(0.3) ? random.Uniform(0, 0.01) : 0,
            PauseProbabilityPerTick = random.Chance(0.3) ? random.Uniform(0, 0.002) : 0,
            PauseTicksMax = (int)random.NextInclusive(1, 60),
        };

        // Drawn last, so that the draws above (and so every earlier swarm mix) are unchanged.
        mix = mix with { RemovalIntervalTicksMean = random.Chance(0.4) ? random.Uniform(30, 150) : 0 };
        return mix with { MembershipIntervalTicksMean = random.Chance(MembershipSwarmProbability) ? random.Uniform(40, 150) : 0 };
    }

    /// <summary>
    /// Parses <c>none</c>, or a comma list of fault names (see <see cref="Names"/>), each switched on at a fixed,
    /// moderate intensity. Throws <see cref="ArgumentException"/> naming an unknown fault.
    /// </summary>
    public static FaultOptions Parse(string list)
    {
        ArgumentNullException.ThrowIfNull(list);
        var faults = new FaultOptions();
        if (list.Trim() == "none")
        {
            return faults;
        }

        foreach (var name in list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            faults = name switch
            {
                "loss" => faults with { PacketLossProbability = 0.15 },
                "duplicate" => faults with { PacketDuplicateProbability = 0.25 },
                "delay" => faults with { OneWayDelayTicksMax = 4 },
                "partition" => WithPartition(faults, PartitionKinds.Halves | PartitionKinds.IsolateNode),
                "asymmetric" => WithPartition(faults, PartitionKinds.Asymmetric),
                "bridge" => WithPartition(faults, PartitionKinds.Bridge),
                "ring" => WithPartition(faults, PartitionKinds.MajorityRing),
                "isolate-master" => WithPartition(faults, PartitionKinds.IsolateMaster),
                "crash" => faults with { CrashProbabilityPerTick = 0.002, RestartDelayTicksMax = 150 },
                "persist-crash" => faults with { CrashAfterPersistProbability = 0.01 },
                "torn-write" => faults with { TornWriteProbability = 0.01 },
                "drift" => faults with { ClockDrift = true, DriftAtEdgeProbability = 0.8 },
                "coordinator-crash" => faults with { CoordinatorCrashProbabilityPerTick = 0.005 },
                "pause" => faults with { PauseProbabilityPerTick = 0.001, PauseTicksMax = 40 },
                "lease" => WithScenarios(faults, LeaseScenarios.All),
                "majority-shift" => WithScenarios(faults, LeaseScenarios.MajorityShift),
                "crash-after-ack" => WithScenarios(faults, LeaseScenarios.CrashAfterAcknowledgement),
                "pause-at-lease-edge" => WithScenarios(faults, LeaseScenarios.PauseAtLeaseEdge),
                "late-copies" => WithScenarios(faults, LeaseScenarios.LateCopies),
                "master-crash-after-append" => WithScenarios(faults, LeaseScenarios.MasterCrashAfterAppend),
                "isolate-master-briefly" => WithScenarios(faults, LeaseScenarios.IsolateMasterBriefly),
                "reinstall" => WithScenarios(faults, LeaseScenarios.ReinstallSatellite),
                "master-crash-after-commit" => WithScenarios(faults, LeaseScenarios.MasterCrashAfterCommit),
                "figure-8" => WithScenarios(faults, LeaseScenarios.Figure8) with { EntriesPerAppendMax = 1 },
                "stale-acknowledgement" => WithScenarios(faults, LeaseScenarios.StaleAcknowledgement),
                "small-appends" => faults with { EntriesPerAppendMax = 1 },
                "lan-timing" => faults with { Timing = StationTiming.Lan },
                "compaction" => faults with { SnapshotThresholdEntries = 8, SnapshotChunkBytes = 128 },
                "snapshot-torn-write" => faults with { SnapshotThresholdEntries = faults.SnapshotThresholdEntries is 0 ? 8 : faults.SnapshotThresholdEntries, SnapshotTornWriteProbability = 0.1 },
                "install-election" => faults with { SnapshotThresholdEntries = faults.SnapshotThresholdEntries is 0 ? 8 : faults.SnapshotThresholdEntries, SnapshotChunkBytes = faults.SnapshotChunkBytes is 0 ? 64 : faults.SnapshotChunkBytes, InstallRacesElectionProbability = 0.1, CrashProbabilityPerTick = Math.Max(faults.CrashProbabilityPerTick, 0.002) },
                "wipe-peer" => faults with { SnapshotThresholdEntries = faults.SnapshotThresholdEntries is 0 ? 8 : faults.SnapshotThresholdEntries, WipePeerAfterHeal = true },
                "remove" => faults with { RemovalIntervalTicksMean = 60 },
                "membership" => faults with { MembershipIntervalTicksMean = 80 },
                _ => throw new ArgumentException($"unknown fault '{name}'; known faults: none, swarm, {string.Join(", ", Names)}"),
            };
        }

        return faults;
    }

    private static FaultOptions WithScenarios(FaultOptions faults, LeaseScenarios scenarios) =>
        faults with { LeaseScenarioIntervalTicksMean = 40, LeaseScenarios = faults.LeaseScenarios | scenarios };

    private static FaultOptions WithPartition(FaultOptions faults, PartitionKinds kinds) =>
        faults with { PartitionIntervalTicksMean = 80, PartitionKinds = faults.PartitionKinds | kinds };
}
