using Halon.Simulation.Coyote;
using Halon.Simulation.Coyote.Testing;
using Xunit.Abstractions;

namespace Halon.Coyote.Tests;

/// <summary>
/// The correct host under each strategy, with fixed seeds: every monitor must stay quiet. Together they run well over
/// a thousand iterations; docs/testing.md has the measured times. Q-learning is not among them: with this model its
/// tables grow by gigabytes a minute (docs/testing.md, "Measured figures").
/// </summary>
[Collection(CoyoteCollection.Name)]
public sealed class ExplorationTests(ITestOutputHelper output)
{
    private static readonly CoyoteClusterOptions s_cluster = new() { Peers = 3, Satellites = 2 };

    // Coyote seeds iteration i of a run with seed s much as iteration i + 1 of seed s − 1, so the seeds are far apart.
    [Theory]
    [InlineData(CoyoteStrategy.Random, 1_000_000u, 400u)]
    [InlineData(CoyoteStrategy.Pct, 2_000_000u, 400u)]
    [InlineData(CoyoteStrategy.Probabilistic, 3_000_000u, 400u)]
    public void Correct_host_passes_every_monitor(CoyoteStrategy strategy, uint seed, uint iterations)
    {
        var options = new CoyoteRunOptions { Cluster = s_cluster, Strategy = strategy, Seed = seed, Iterations = iterations };
        var result = CoyoteTestRun.Run(options, $"exploration-{strategy}-seed{seed}".ToLowerInvariant(), output);
        CoyoteTestRun.AssertNoBug(result);
        Assert.Equal(iterations, result.Iterations);
        Assert.True(result.MaxStepsInIteration < result.MaxSteps / 2, $"an iteration took {result.MaxStepsInIteration} steps, too close to the bound {result.MaxSteps}");
    }

    /// <summary>The same with 2 spare nodes and 4 changes of the peers (add, remove, replace) racing the faults in each iteration.</summary>
    [Theory]
    [InlineData(CoyoteStrategy.Random, 4_000_000u, 60u)]
    [InlineData(CoyoteStrategy.Pct, 5_000_000u, 60u)]
    [InlineData(CoyoteStrategy.Probabilistic, 6_000_000u, 60u)]
    public void Correct_host_passes_every_monitor_while_the_peers_change(CoyoteStrategy strategy, uint seed, uint iterations)
    {
        var cluster = new CoyoteClusterOptions { Peers = 3, Spares = 2, MembershipChanges = 4, Satellites = 2 };
        var options = new CoyoteRunOptions { Cluster = cluster, Strategy = strategy, Seed = seed, Iterations = iterations };
        var result = CoyoteTestRun.Run(options, $"membership-{strategy}-seed{seed}".ToLowerInvariant(), output);
        CoyoteTestRun.AssertNoBug(result);
        Assert.Equal(iterations, result.Iterations);
        Assert.Equal(4L * iterations, result.Coverage.PeerChanges);
        Assert.True(result.MaxStepsInIteration < result.MaxSteps / 2, $"an iteration took {result.MaxStepsInIteration} steps, too close to the bound {result.MaxSteps}");
    }
}
