using System.Diagnostics;

namespace Halon.Simulation.Harness;

/// <summary>Many seeded runs in parallel. Each run is independent and deterministic, so parallelism changes no result.</summary>
public static class Sweep
{
    /// <summary>Runs seeds [<paramref name="from"/>, <paramref name="from"/> + <paramref name="count"/>) of <paramref name="template"/>.</summary>
    public static SweepResult Run(SimulationOptions template, ulong from, int count, Action<SweepProgress>? progress = null, int parallelism = 0)
    {
        ArgumentNullException.ThrowIfNull(template);
        var results = new SimulationResult[count];
        var stopwatch = Stopwatch.StartNew();
        var done = 0;
        long events = 0;
        var violations = 0;
        var gate = new object();
        var reportEvery = Math.Max(1, count / 20);
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = parallelism > 0 ? parallelism : Environment.ProcessorCount }, i =>
        {
            var result = new Simulation(template with { Seed = from + (ulong)i }).Run();
            results[i] = result;
            lock (gate)
            {
                done++;
                events += result.Events;
                violations += result.Violations.Count > 0 ? 1 : 0;
                if (progress is not null && (done % reportEvery == 0 || done == count))
                {
                    progress(new SweepProgress(done, count, violations, events, stopwatch.Elapsed));
                }
            }
        });

        return new SweepResult(template, from, results, stopwatch.Elapsed);
    }
}
