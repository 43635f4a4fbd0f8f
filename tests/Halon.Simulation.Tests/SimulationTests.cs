using System.Text.Json;
using Halon.Simulation.Checking;
using Halon.Simulation.Harness;

namespace Halon.Simulation.Tests;

public sealed class SimulationTests
{
    [Theory]
    [InlineData(3, "none")]
    [InlineData(5, "swarm")]
    [InlineData(7, "loss,duplicate,delay,crash,partition,drift,pause")]
    public void The_same_seed_gives_the_same_trace_hash(int peers, string faults)
    {
        var options = new SimulationOptions { Seed = 42, Peers = peers, Satellites = 5, FaultSpec = faults, Ticks = 1500 };
        var first = new Harness.Simulation(options).Run();
        var second = new Harness.Simulation(options).Run();
        Assert.Equal(first.TraceHash, second.TraceHash);
        Assert.Equal(first.Events, second.Events);
        Assert.True(first.Passed, string.Join("; ", first.Violations));
    }

    [Fact]
    public void Different_seeds_give_different_trace_hashes()
    {
        var hashes = Enumerable.Range(1, 50)
            .Select(seed => new Harness.Simulation(new SimulationOptions { Seed = (ulong)seed, Peers = 3, Satellites = 2, Ticks = 300 }).Run().TraceHash)
            .ToHashSet();
        Assert.Equal(50, hashes.Count);
    }

    [Fact]
    public void A_fault_free_run_bootstraps_and_acknowledges_everyone()
    {
        var result = new Harness.Simulation(new SimulationOptions { Seed = 7, Peers = 5, Satellites = 20, Ticks = 600 }).Run();
        Assert.True(result.Passed, string.Join("; ", result.Violations));
        Assert.InRange(result.TicksToFirstCoordinator, 1, 60);
        Assert.Equal(20, result.SatellitesAcknowledged);
        Assert.Equal(1, result.Elections);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(7)]
    public void A_swarm_sweep_finds_no_violation(int peers)
    {
        // 500 seeds per size in the normal test run; the outside check sweeps 2000 in ranges these never use.
        var template = new SimulationOptions { Peers = peers, Satellites = 20, FaultSpec = "swarm" };
        var result = Sweep.Run(template, from: 1, count: 500);
        var failures = result.Failures.Select(f => $"{f.Violations[0]} — replay: {f.Options.ReplayCommand}");
        Assert.True(result.Failures.Count == 0, string.Join(Environment.NewLine, failures));
        Assert.True(result.WorstTicksToCoordinatorAfterHeal <= template.LivenessCoordinatorTicksMax);
        Assert.True(result.WorstTicksToAllAcknowledgedAfterHeal <= template.LivenessAcknowledgedTicksMax);
        Assert.All(result.Runs, run => Assert.True(run.TicksFromHealToCoordinator >= 0));
    }

    [Theory]
    [InlineData(3, 120)]
    [InlineData(5, 60)]
    public void A_short_swarm_sweep_finds_no_violation(int peers, int seeds)
    {
        // Few satellites and seeds of their own, so it is quick enough to run for every mutant of a mutation-testing run.
        var template = new SimulationOptions { Peers = peers, Satellites = 4, FaultSpec = "swarm" };
        var result = Sweep.Run(template, from: 90_000, count: seeds);
        var failures = result.Failures.Select(f => $"{f.Violations[0]} — replay: {f.Options.ReplayCommand}");
        Assert.True(result.Failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public void A_run_over_its_event_budget_fails_with_its_replay_instead_of_running_on()
    {
        var options = new SimulationOptions { Seed = 3, Peers = 3, Satellites = 2, FaultSpec = "swarm", EventsMax = 5_000 };
        var result = new Simulation.Harness.Simulation(options).Run();
        var violation = Assert.Single(result.Violations);
        Assert.Equal(Invariant.RunLimit, violation.Invariant);
        Assert.Contains("budget of 5000 events", violation.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sweep_gives_up_on_a_run_that_takes_too_long_and_reports_it()
    {
        var template = new SimulationOptions { Peers = 7, Satellites = 200, FaultSpec = "swarm", Ticks = 100_000 };
        var result = Sweep.Run(template, from: 1, count: 4, new SweepOptions { RunSecondsMax = 0.5, Parallelism = 1 });
        var hung = Assert.Single(result.Failures);
        Assert.Equal(Invariant.RunLimit, hung.Violations[0].Invariant);
        Assert.Contains("wall time", hung.Violations[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sweep_that_stops_on_failure_still_finds_the_lowest_failing_seed()
    {
        // A budget so small that every run fails: the first seed is the lowest failure, and few seeds run after it.
        var template = new SimulationOptions { Peers = 3, Satellites = 2, FaultSpec = "swarm", EventsMax = 1_000 };
        var result = Sweep.Run(template, from: 40, count: 200, new SweepOptions { StopOnFailure = true, Parallelism = 2 });
        Assert.Equal(40UL, result.Failures.Min(f => f.Options.Seed));
        Assert.True(result.Runs.Count < 10, $"{result.Runs.Count} runs after the first failure");
    }

    [Fact]
    public void Half_of_the_swarm_seeds_run_the_targeted_nemesis()
    {
        var mixes = Enumerable.Range(1, 400).Select(seed => FaultOptions.DrawSwarm(new SimRandom((ulong)seed, 2))).ToArray();
        var targeted = mixes.Count(m => m.LeaseScenarios != LeaseScenarios.None);
        Assert.InRange(targeted, 150, 250);
        foreach (var scenario in Enum.GetValues<LeaseScenarios>().Where(s => s is not (LeaseScenarios.None or LeaseScenarios.All)))
        {
            Assert.True(mixes.Count(m => m.LeaseScenarios.HasFlag(scenario)) > 50, $"{scenario} is drawn too rarely");
        }

        Assert.True(mixes.Count(m => m.DriftAtEdgeProbability > 0) > 50);
        Assert.True(mixes.Count(m => m.EntriesPerAppendMax > 0) > 50);
    }

    [Fact]
    public void Swarm_seeds_draw_different_fault_mixes()
    {
        var mixes = Enumerable.Range(1, 40).Select(seed => new Harness.Simulation(new SimulationOptions { Seed = (ulong)seed, FaultSpec = "swarm", Satellites = 1, Peers = 3 }).Faults).ToList();
        Assert.True(mixes.Distinct().Count() > 35);
        Assert.Contains(mixes, m => m.PacketLossProbability > 0);
        Assert.Contains(mixes, m => m.PartitionIntervalTicksMean > 0);
        Assert.Contains(mixes, m => m.CrashProbabilityPerTick > 0);
        Assert.Contains(mixes, m => m.TornWriteProbability > 0);
        Assert.Contains(mixes, m => m.CrashAfterPersistProbability > 0);
        Assert.Contains(mixes, m => m.ClockDrift);
        Assert.Contains(mixes, m => m.PauseProbabilityPerTick > 0);
        Assert.All(mixes, m => Assert.InRange(m.PacketLossProbability, 0, 0.3));
        Assert.All(mixes, m => Assert.InRange(m.PacketDuplicateProbability, 0, 0.5));
    }

    [Fact]
    public void Unknown_faults_are_refused_by_name()
    {
        var error = Assert.Throws<ArgumentException>(() => FaultOptions.Parse("loss,gremlins"));
        Assert.Contains("gremlins", error.Message, StringComparison.Ordinal);
        Assert.Equal(0.15, FaultOptions.Parse("loss").PacketLossProbability);
        Assert.False(FaultOptions.Parse("none").Any);
    }

    [Fact]
    public void Run_json_has_the_contract_fields_and_exit_code_0()
    {
        var (code, output) = Cli(["run", "--seed", "1", "--peers", "3", "--satellites", "2", "--json"]);
        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        foreach (var key in new[] { "seed", "violations", "trace_hash", "events", "ticks_to_first_coordinator" })
        {
            Assert.True(json.RootElement.TryGetProperty(key, out _), key);
        }

        Assert.Equal(0, json.RootElement.GetProperty("violations").GetInt32());
    }

    [Fact]
    public void Sweep_json_has_the_contract_fields()
    {
        var (code, output) = Cli(["sweep", "--seeds", "3", "--from", "100", "--peers", "3", "--satellites", "2", "--json"]);
        Assert.Equal(0, code);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(3, json.RootElement.GetProperty("runs").GetInt32());
        Assert.Equal(0, json.RootElement.GetProperty("failures").GetArrayLength());
        Assert.True(json.RootElement.GetProperty("events").GetInt64() > 0);
        Assert.Equal(0, json.RootElement.GetProperty("violations").GetInt32());
    }

    [Theory]
    [InlineData("run", "--no-such-flag")]
    [InlineData("run", "--seed", "1", "--peers", "9")]
    [InlineData("run", "--seed", "1", "--faults", "gremlins")]
    [InlineData("run", "--seed", "1", "--membership", "shrink-grow")]
    [InlineData("sweep")]
    public void Usage_errors_exit_2(params string[] args)
    {
        Assert.Equal(2, Cli(args).Code);
    }

    private static (int Code, string Output) Cli(string[] args)
    {
        lock (ConsoleLock.Gate)
        {
            var original = Console.Out;
            var originalError = Console.Error;
            using var writer = new StringWriter();
            Console.SetOut(writer);
            Console.SetError(TextWriter.Null);
            try
            {
                var code = Halon.Simulation.Cli.Program.Main(args);
                return (code, writer.ToString());
            }
            finally
            {
                Console.SetOut(original);
                Console.SetError(originalError);
            }
        }
    }
}

internal static class ConsoleLock
{
    public static readonly object Gate = new();
}
