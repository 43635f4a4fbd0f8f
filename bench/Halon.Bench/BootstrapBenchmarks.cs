using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Halon.Simulation.Harness;

namespace Halon.Bench;

/// <summary>
/// Time to the first coordinator in the simulator, for 3, 5 and 7 peers: the wall time of simulating it, and, in the
/// custom columns, the simulated ticks and messages it takes (averaged over 100 seeds; fixed by those seeds).
/// </summary>
[Config(typeof(Config))]
public class BootstrapBenchmarks
{
    private const int Seeds = 100;

    [Params(3, 5, 7)]
    public int Peers { get; set; }

    [Benchmark(Description = "bootstrap to first coordinator, 100 seeds", OperationsPerInvoke = Seeds)]
    public double Bootstrap() => Measure(Peers).Ticks;

    /// <summary>Mean ticks and messages from bootstrap to the first coordinator over seeds 1..100.</summary>
    public static (double Ticks, double Messages) Measure(int peers)
    {
        double ticks = 0;
        double messages = 0;
        for (var seed = 1UL; seed <= Seeds; seed++)
        {
            var simulation = new Simulation.Harness.Simulation(new SimulationOptions { Seed = seed, Peers = peers, Satellites = 0, Ticks = 400 });
            simulation.RunUntilCondition(() => simulation.CoordinatorRunning, 400);
            ticks += simulation.NowTicks;
            messages += simulation.MessagesSent;
        }

        return (ticks / Seeds, messages / Seeds);
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddJob(Job.ShortRun.WithWarmupCount(2).WithIterationCount(5));
            AddColumn(new FigureColumn("Ticks", p => Measure(p).Ticks), new FigureColumn("Messages", p => Measure(p).Messages));
        }
    }

    private sealed class FigureColumn(string name, Func<int, double> figure) : IColumn
    {
        public string Id => "Figure" + name;

        public string ColumnName => name;

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => $"Mean simulated {name.ToLowerInvariant()} from bootstrap to the first coordinator";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) =>
            figure((int)benchmarkCase.Parameters["Peers"]).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);

        public bool IsAvailable(Summary summary) => true;

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    }
}
