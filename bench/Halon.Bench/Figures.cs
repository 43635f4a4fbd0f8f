using System.Diagnostics;
using Halon.Simulation.Harness;

namespace Halon.Bench;

/// <summary>
/// Protocol figures that are counts, not times: ticks and messages from bootstrap to the first coordinator, over many
/// seeds of a fault-free cluster; then single-threaded simulator throughput with every checker on.
/// </summary>
internal static class Figures
{
    public static void Print(int seeds)
    {
        Console.WriteLine($"# Time to first coordinator, fault-free, {seeds} seeds each (a tick is 10 ms in halond)");
        Console.WriteLine();
        Console.WriteLine("| peers | ticks median | ticks p90 | ticks max | messages median | messages p90 |");
        Console.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var peers in new[] { 3, 5, 7 })
        {
            var ticks = new List<double>();
            var messages = new List<long>();
            for (var seed = 1; seed <= seeds; seed++)
            {
                var (t, m) = FirstCoordinator(peers, (ulong)seed);
                ticks.Add(t);
                messages.Add(m);
            }

            ticks.Sort();
            messages.Sort();
            Console.WriteLine($"| {peers} | {Percentile(ticks, 0.5):0.0} | {Percentile(ticks, 0.9):0.0} | {ticks[^1]:0.0} | {Percentile(messages, 0.5)} | {Percentile(messages, 0.9)} |");
        }

        Console.WriteLine();
        Console.WriteLine("# Simulator throughput, one thread, every checker on (2000-tick runs, 20 satellites)");
        Console.WriteLine();
        Console.WriteLine("| peers | faults | runs | events | seconds | events/s |");
        Console.WriteLine("| ---: | --- | ---: | ---: | ---: | ---: |");
        foreach (var peers in new[] { 3, 5, 7 })
        {
            foreach (var faults in new[] { "none", "swarm" })
            {
                // Warm up the JIT, then measure.
                new Simulation.Harness.Simulation(new SimulationOptions { Seed = 1, Peers = peers, FaultSpec = faults }).Run();
                long events = 0;
                var stopwatch = Stopwatch.StartNew();
                const int runs = 20;
                for (var seed = 1; seed <= runs; seed++)
                {
                    events += new Simulation.Harness.Simulation(new SimulationOptions { Seed = (ulong)seed, Peers = peers, FaultSpec = faults }).Run().Events;
                }

                var seconds = stopwatch.Elapsed.TotalSeconds;
                Console.WriteLine($"| {peers} | {faults} | {runs} | {events} | {seconds:0.00} | {events / seconds / 1e6:0.00}M |");
            }
        }
    }

    private static (double Ticks, long Messages) FirstCoordinator(int peers, ulong seed)
    {
        double? at = null;
        var simulation = new Simulation.Harness.Simulation(
            new SimulationOptions { Seed = seed, Peers = peers, Satellites = 0, Ticks = 400 },
            null);
        var reached = simulation.RunUntilCondition(() => simulation.CoordinatorRunning, 400);
        at = reached ? simulation.NowTicks : double.NaN;
        return (at.Value, simulation.MessagesSent);
    }

    private static T Percentile<T>(List<T> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
