using Halon.Simulation.Checking;

namespace Halon.Simulation.Harness;

/// <summary>What one run found and measured.</summary>
public sealed record SimulationResult
{
    public required SimulationOptions Options { get; init; }

    public required IReadOnlyList<Violation> Violations { get; init; }

    /// <summary>FNV-1a over every processed event: equal for equal seeds, different for different runs.</summary>
    public required ulong TraceHash { get; init; }

    /// <summary>Delivered messages plus node ticks.</summary>
    public required long Events { get; init; }

    /// <summary>Tick of the first coordinator start, or -1.</summary>
    public required double TicksToFirstCoordinator { get; init; }

    /// <summary>Tick at which faults stopped (0 with no faults).</summary>
    public required double HealTick { get; init; }

    /// <summary>Ticks from the heal until a coordinator ran, or -1.</summary>
    public required double TicksFromHealToCoordinator { get; init; }

    /// <summary>Ticks from the heal until every satellite was acknowledged, or -1.</summary>
    public required double TicksFromHealToAllAcknowledged { get; init; }

    public required int Elections { get; init; }

    public required long HighestTerm { get; init; }

    public required int CoordinatorStarts { get; init; }

    public required int SatellitesAcknowledged { get; init; }

    public required long MessagesSent { get; init; }

    public required long MessagesDelivered { get; init; }

    public required long MessagesDropped { get; init; }

    public required int Crashes { get; init; }

    public required string Faults { get; init; }

    /// <summary>Snapshots taken by any node (log compactions).</summary>
    public int SnapshotsTaken { get; init; }

    /// <summary>Snapshots installed from a master.</summary>
    public int SnapshotsInstalled { get; init; }

    /// <summary>Changes of the station's peers the operator started (the membership fault, the grow-shrink scenario).</summary>
    public int PeerChangesStarted { get; init; }

    /// <summary>Changes of the station's peers done: the master's committed configuration has them, with nothing left under way.</summary>
    public int PeerChangesDone { get; init; }

    /// <summary>Changes given up: refused (another change under way, no quorum left, a limit) or not done in time.</summary>
    public int PeerChangesGivenUp { get; init; }

    /// <summary>Requests sent to nodes for those changes, with every retry.</summary>
    public int PeerChangeRequests { get; init; }

    /// <summary>Fewest voters of any configuration committed in the run (0: none committed beyond the bootstrap one).</summary>
    public int VotersMin { get; init; }

    /// <summary>Most voters of any configuration committed in the run (0: none committed beyond the bootstrap one).</summary>
    public int VotersMax { get; init; }

    /// <summary>Full cycles of the grow-shrink scenario (grown to 7 voters and shrunk back).</summary>
    public int GrowShrinkCycles { get; init; }

    public bool Passed => Violations.Count == 0;

    /// <summary>The result of a run that a sweep gave up on after <paramref name="seconds"/> of wall time.</summary>
    public static SimulationResult Hung(SimulationOptions options, double seconds) => new()
    {
        Options = options,
        Violations = [new Violation(Invariant.RunLimit, -1, $"the run did not finish within {seconds:0} s of wall time: it is stuck inside one step (an endless loop in the core?)")],
        TraceHash = 0,
        Events = 0,
        TicksToFirstCoordinator = -1,
        HealTick = -1,
        TicksFromHealToCoordinator = -1,
        TicksFromHealToAllAcknowledged = -1,
        Elections = 0,
        HighestTerm = 0,
        CoordinatorStarts = 0,
        SatellitesAcknowledged = 0,
        MessagesSent = 0,
        MessagesDelivered = 0,
        MessagesDropped = 0,
        Crashes = 0,
        Faults = "unknown (the run did not finish)",
    };

    public string TraceHashText => TraceHash.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
}
