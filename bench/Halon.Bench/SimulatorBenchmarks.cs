using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Halon.Simulation.Harness;

namespace Halon.Bench;

/// <summary>
/// Simulator throughput with every checker on: one whole run per operation. The run's event count is fixed by its
/// seed, so events per second = <see cref="Events"/> / mean time; the <c>EventsPerSecond</c> column prints it.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class SimulatorBenchmarks
{
    [Params(3, 5, 7)]
    public int Peers { get; set; }

    [Params("none", "swarm")]
    public string Faults { get; set; } = "none";

    public static Dictionary<string, long> Events { get; } = new();

    private SimulationOptions _options = new();

    [GlobalSetup]
    public void Setup()
    {
        _options = new SimulationOptions { Seed = 12345, Peers = Peers, Satellites = 20, FaultSpec = Faults, Ticks = 2000 };
        Events[Key(Peers, Faults)] = new Simulation.Harness.Simulation(_options).Run().Events;
    }

    [Benchmark(Description = "one 2000-tick run, 20 satellites")]
    public long Run() => new Simulation.Harness.Simulation(_options).Run().Events;

    public static string Key(int peers, string faults) => $"{peers}/{faults}";

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.ShortRun.WithWarmupCount(2).WithIterationCount(5));
            AddColumn(new EventsPerSecondColumn());
        }
    }
}
