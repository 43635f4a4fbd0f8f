namespace Halon.Simulation.Coyote.Testing;

/// <summary>What a Coyote run found, and how fast it went.</summary>
public sealed record CoyoteRunResult
{
    /// <summary>The options of the run.</summary>
    public required CoyoteRunOptions Options { get; init; }

    /// <summary>Iterations explored (fewer than asked when a bug stopped the run).</summary>
    public required long Iterations { get; init; }

    /// <summary>Bugs found (Coyote stops at the first).</summary>
    public required int Bugs { get; init; }

    /// <summary>Coyote's report of the first bug, or null.</summary>
    public string? BugReport { get; init; }

    /// <summary>Controlled scheduling steps, over all iterations.</summary>
    public required long Steps { get; init; }

    /// <summary>Most steps in one iteration.</summary>
    public required long MaxStepsInIteration { get; init; }

    /// <summary>The step bound in force.</summary>
    public required uint MaxSteps { get; init; }

    /// <summary>Wall-clock time of the exploration.</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>The <c>.trace</c> file written for the bug, or null.</summary>
    public string? TraceFile { get; init; }

    /// <summary>What the iterations did: elections, faults, convergence.</summary>
    public required CoyoteCoverage Coverage { get; init; }

    /// <summary>Whether the run found no bug.</summary>
    public bool Passed => Bugs == 0;

    /// <summary>Steps per second of wall-clock time.</summary>
    public double StepsPerSecond => Steps / Math.Max(Elapsed.TotalSeconds, 1e-9);

    /// <summary>Iterations per second of wall-clock time.</summary>
    public double IterationsPerSecond => Iterations / Math.Max(Elapsed.TotalSeconds, 1e-9);
}
