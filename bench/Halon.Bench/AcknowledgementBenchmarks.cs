using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Halon.Simulation.Harness;

namespace Halon.Bench;

/// <summary>
/// Acknowledgement throughput of a simulated station, every checker on: one operation bootstraps 5 peers and N
/// satellites with no faults and runs until every satellite is acknowledged (the run is long enough for it, and
/// fails the benchmark if not). The <c>Acks/s</c> column is N divided by the mean wall time of a run; <c>Ticks</c> is
/// the simulated time from the start to the last acknowledgement (10 ms of the daemon's time per tick).
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class AcknowledgementBenchmarks
{
    [Params(1_000, 10_000, 100_000)]
    public int Satellites { get; set; }

    private SimulationOptions _options = new();

    [GlobalSetup]
    public void Setup() => _options = Options(Satellites);

    [Benchmark(Description = "bootstrap until every satellite is acknowledged, 5 peers")]
    public int Run()
    {
        var result = new Simulation.Harness.Simulation(_options).Run();
        if (!result.Passed || result.SatellitesAcknowledged != Satellites)
        {
            throw new InvalidOperationException($"{result.SatellitesAcknowledged} of {Satellites} acknowledged; {string.Join("; ", result.Violations)}");
        }

        return result.SatellitesAcknowledged;
    }

    /// <summary>The run of one operation: long enough for every acknowledgement, with the liveness bounds it implies.</summary>
    internal static SimulationOptions Options(int satellites) => new()
    {
        Seed = 4242,
        Peers = 5,
        Satellites = satellites,
        FaultSpec = "none",
        Ticks = 200,
    };

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.ShortRun.WithWarmupCount(1).WithIterationCount(3));
            AddColumn(new AcknowledgementsPerSecondColumn());
        }
    }

    private sealed class AcknowledgementsPerSecondColumn : IColumn
    {
        public string Id => nameof(AcknowledgementsPerSecondColumn);

        public string ColumnName => "Acks/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Satellites acknowledged per second of wall time (every checker on), and simulated ticks from the start to the last acknowledgement";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var satellites = (int)benchmarkCase.Parameters["Satellites"];
            if (summary[benchmarkCase]?.ResultStatistics is not { } statistics)
            {
                return "n/a";
            }

            var ticks = new Simulation.Harness.Simulation(Options(satellites)).Run().TicksFromHealToAllAcknowledged;
            return $"{satellites / (statistics.Mean / 1e9):0} ({ticks:0.0} ticks)";
        }

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
