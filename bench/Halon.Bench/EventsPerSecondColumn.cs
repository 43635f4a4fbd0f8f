using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Halon.Bench;

/// <summary>Events per run and events per second of wall time, from the run's fixed event count and the measured mean.</summary>
internal sealed class EventsPerSecondColumn : IColumn
{
    public string Id => nameof(EventsPerSecondColumn);

    public string ColumnName => "Events/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Simulated events (delivered messages + node ticks) per second of wall time, every checker on";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        var peers = (int)benchmarkCase.Parameters["Peers"];
        var faults = (string)benchmarkCase.Parameters["Faults"];
        var events = new Simulation.Harness.Simulation(new Simulation.Harness.SimulationOptions { Seed = 12345, Peers = peers, Satellites = 20, FaultSpec = faults, Ticks = 2000 }).Run().Events;
        if (report?.ResultStatistics is not { } statistics)
        {
            return "n/a";
        }

        var seconds = statistics.Mean / 1e9;
        return $"{events / seconds / 1e6:0.00}M ({events} events/run)";
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}
