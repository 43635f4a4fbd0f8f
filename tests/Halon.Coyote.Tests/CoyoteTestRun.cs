using Halon.Simulation.Coyote.Testing;
using Xunit.Abstractions;

namespace Halon.Coyote.Tests;

/// <summary>Runs Coyote for a test, writes a bug's trace where CI keeps artifacts, and prints what it did.</summary>
internal static class CoyoteTestRun
{
    /// <summary>Where traces go: <c>$HALON_COYOTE_TRACE_DIR</c>, or the temp dir's <c>halon-coyote-tests</c>.</summary>
    public static string TraceDirectory =>
        Environment.GetEnvironmentVariable("HALON_COYOTE_TRACE_DIR") is { Length: > 0 } directory
            ? directory
            : Path.Combine(Path.GetTempPath(), "halon-coyote-tests");

    public static CoyoteRunResult Run(CoyoteRunOptions options, string name, ITestOutputHelper output)
    {
        var result = CoyoteRunner.Run(options with { TraceDirectory = TraceDirectory, TraceName = name });
        output.WriteLine(
            $"{name}: {options.Strategy} seed {options.Seed}, {options.Cluster.Peers} peers, {options.Cluster.Satellites} satellites: " +
            $"{result.Iterations} iterations in {result.Elapsed.TotalSeconds:0.0} s ({result.IterationsPerSecond:0.0}/s), " +
            $"{result.Steps} steps ({result.StepsPerSecond:0}/s, at most {result.MaxStepsInIteration} of {result.MaxSteps} in one iteration), {result.Bugs} bugs");
        if (result.BugReport is not null)
        {
            output.WriteLine($"bug: {result.BugReport}");
        }

        if (result.TraceFile is not null)
        {
            output.WriteLine($"trace written to {result.TraceFile}");
        }

        return result;
    }

    /// <summary>Fails with Coyote's report, the trace's path and the command that replays it.</summary>
    public static void AssertNoBug(CoyoteRunResult result)
    {
        if (result.Passed)
        {
            return;
        }

        var cluster = result.Options.Cluster;
        Assert.Fail(
            $"Coyote found a bug ({result.Options.Strategy}, seed {result.Options.Seed}):{Environment.NewLine}{result.BugReport}{Environment.NewLine}" +
            $"trace: {result.TraceFile ?? "(not written)"}{Environment.NewLine}" +
            $"replay: halon-sim coyote --replay {result.TraceFile} --peers {cluster.Peers} --satellites {cluster.Satellites}" +
            (cluster.Spares > 0 || cluster.MembershipChanges > 0 ? $" --spares {cluster.Spares} --membership-changes {cluster.MembershipChanges}" : string.Empty));
    }

    /// <summary>Replays <paramref name="found"/>'s trace and returns the replay's result.</summary>
    public static CoyoteRunResult Replay(CoyoteRunResult found, ITestOutputHelper output)
    {
        Assert.NotNull(found.TraceFile);
        Assert.True(File.Exists(found.TraceFile), $"the trace {found.TraceFile} was not written");
        var options = found.Options with { ReplayTrace = File.ReadAllText(found.TraceFile!), Iterations = 1 };
        return Run(options, found.Options.TraceName + "-replay", output);
    }
}
