namespace Halon.Simulation.Coyote.Testing;

/// <summary>One Coyote test run: the cluster, the strategy, how many iterations, and where a bug's trace goes.</summary>
public sealed record CoyoteRunOptions
{
    /// <summary>The cluster and its fault budget.</summary>
    public CoyoteClusterOptions Cluster { get; init; } = new();

    /// <summary>Iterations to run (Coyote's default is 1, which is why it is always set).</summary>
    public uint Iterations { get; init; } = 100;

    /// <summary>The exploration strategy.</summary>
    public CoyoteStrategy Strategy { get; init; } = CoyoteStrategy.Random;

    /// <summary>The seed of Coyote's random generator; the same seed and options give the same run.</summary>
    public uint Seed { get; init; } = 1;

    /// <summary>
    /// The bound on scheduling steps per iteration (0: derived from the cluster, see <see cref="CoyoteRunner.DefaultMaxSteps"/>).
    /// An iteration that reaches it is reported as a bug, because a cut-off iteration would hide both safety bugs in its
    /// unexplored tail and liveness bugs, which are judged at the end.
    /// </summary>
    public uint MaxSteps { get; init; }

    /// <summary>PCT's number of priority change points.</summary>
    public uint PctPriorityChanges { get; init; } = 10;

    /// <summary>The probabilistic strategy's bound (it switches actors with probability 1 / 2^bound).</summary>
    public uint ProbabilisticBound { get; init; } = 3;

    /// <summary>When set, the text of a <c>.trace</c> file to replay instead of exploring.</summary>
    public string? ReplayTrace { get; init; }

    /// <summary>Where a bug's <c>.trace</c> is written.</summary>
    public string TraceDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "halon-coyote");

    /// <summary>Where Coyote's own progress log goes (null: nowhere).</summary>
    public TextWriter? Log { get; init; }

    /// <summary>The trace's file name, without extension.</summary>
    public string TraceName { get; init; } = "halon-coyote";
}
