using System.Diagnostics;
using Microsoft.Coyote;
using Microsoft.Coyote.Actors;
using Microsoft.Coyote.Logging;
using Microsoft.Coyote.SystematicTesting;

namespace Halon.Simulation.Coyote.Testing;

/// <summary>Runs the cluster under Coyote's <see cref="TestingEngine"/>, and writes a found bug's trace.</summary>
public static class CoyoteRunner
{
    /// <summary>
    /// A step bound that no correct iteration comes near: 12 · (nodes + peers²) steps per round, plus 2,000 for the
    /// set-up. A round costs a tick and its answer per node and the master's heartbeats and their answers, which grow
    /// with the peers; the longest iterations measured (docs/testing.md) use about a quarter of this. An iteration
    /// ends by itself after its rounds, so the bound only catches a run-away; reaching it fails the run.
    /// </summary>
    public static uint DefaultMaxSteps(CoyoteClusterOptions cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        var perRound = 12L * (cluster.Nodes + (cluster.Peers * cluster.Peers));
        return (uint)Math.Min((perRound * cluster.TotalRounds) + 2_000, 50_000_000L);
    }

    /// <summary>The Coyote configuration for <paramref name="options"/>.</summary>
    public static Configuration Configure(CoyoteRunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var maxSteps = options.MaxSteps > 0 ? options.MaxSteps : DefaultMaxSteps(options.Cluster);
        var configuration = Configuration.Create()
            .WithTestingIterations(options.Iterations)
            .WithRandomGeneratorSeed(options.Seed)
            .WithMaxSchedulingSteps(maxSteps, maxSteps)
            .WithFailureOnMaxStepsBoundEnabled(true)
            .WithLivenessTemperatureThreshold(maxSteps)
            .WithTelemetryEnabled(false)
            .WithConsoleLoggingEnabled(false)
            // The model is actors only, so a real deadlock (every actor waiting with nothing to deliver) is still found
            // exactly. The periodic "potential deadlock" check only measures wall time without progress, which a
            // starved machine (a CI runner running other tests) produces; it is not a verdict about the protocol.
            .WithPotentialDeadlocksReportedAsBugs(false)
            .WithDeadlockTimeout(60_000);
        configuration = options.Strategy switch
        {
            CoyoteStrategy.Random => configuration.WithRandomStrategy(),
            CoyoteStrategy.Pct => configuration.WithPrioritizationStrategy(false, options.PctPriorityChanges),
            CoyoteStrategy.Probabilistic => configuration.WithProbabilisticStrategy(options.ProbabilisticBound),
            CoyoteStrategy.QLearning => configuration.WithQLearningStrategy(),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Strategy, "unknown strategy"),
        };
        if (options.ReplayTrace is not null)
        {
            configuration = configuration.WithReproducibleTrace(options.ReplayTrace);
        }

        return configuration;
    }

    /// <summary>Runs <paramref name="options"/>; on a bug, writes its <c>.trace</c> to <see cref="CoyoteRunOptions.TraceDirectory"/>.</summary>
    public static CoyoteRunResult Run(CoyoteRunOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Cluster.Validate();
        var configuration = Configure(options);
        using var engine = TestingEngine.Create(configuration, (IActorRuntime runtime) => CoyoteCluster.Start(runtime, options.Cluster));
        engine.SetLogger(new TextWriterLogger(options.Log ?? TextWriter.Null, VerbosityLevel.Info));
        CoverageCounter.Reset();
        var stopwatch = Stopwatch.StartNew();
        engine.Run();
        stopwatch.Stop();
        var report = engine.TestReport;
        string? traceFile = null;
        if (report.NumOfFoundBugs > 0)
        {
            Directory.CreateDirectory(options.TraceDirectory);
            if (engine.TryEmitReports(options.TraceDirectory, options.TraceName, out var paths))
            {
                traceFile = paths.FirstOrDefault(p => p.EndsWith(".trace", StringComparison.Ordinal));
            }
        }

        return new CoyoteRunResult
        {
            Options = options,
            Iterations = report.NumOfExploredFairPaths + report.NumOfExploredUnfairPaths,
            Bugs = report.NumOfFoundBugs,
            BugReport = report.BugReports.FirstOrDefault(),
            Steps = (long)report.TotalExploredFairSteps + report.TotalExploredUnfairSteps,
            MaxStepsInIteration = Math.Max(report.MaxExploredFairSteps, report.MaxExploredUnfairSteps),
            MaxSteps = (uint)configuration.MaxUnfairSchedulingSteps,
            Elapsed = stopwatch.Elapsed,
            TraceFile = traceFile,
            Coverage = CoverageCounter.Snapshot(),
        };
    }
}
