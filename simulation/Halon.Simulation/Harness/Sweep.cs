using System.Diagnostics;
using Halon.Simulation.Checking;

namespace Halon.Simulation.Harness;

/// <summary>How a sweep runs its seeds.</summary>
public sealed record SweepOptions
{
    /// <summary>Runs at once (0: one per core).</summary>
    public int Parallelism { get; init; }

    /// <summary>Stop starting new seeds once a seed fails; seeds below it still finish, so the lowest failing seed is found.</summary>
    public bool StopOnFailure { get; init; }

    /// <summary>
    /// Wall-clock seconds one run may take before the sweep gives up on it and reports it as a failure (a run stuck
    /// inside one step of the core cannot be stopped by its event budget).
    /// </summary>
    public double RunSecondsMax { get; init; } = 300;
}

/// <summary>
/// Many seeded runs on a few worker threads. Each run is independent and deterministic, so parallelism changes no
/// result. Every run is bounded: by its event budget (<see cref="SimulationOptions.EventsMax"/>) inside, and by
/// <see cref="SweepOptions.RunSecondsMax"/> of wall time outside, so a sweep always ends with a verdict, never a hang.
/// </summary>
public static class Sweep
{
    /// <summary>Runs seeds [<paramref name="from"/>, <paramref name="from"/> + <paramref name="count"/>) of <paramref name="template"/>.</summary>
    public static SweepResult Run(SimulationOptions template, ulong from, int count, Action<SweepProgress>? progress = null, int parallelism = 0) =>
        Run(template, from, count, new SweepOptions { Parallelism = parallelism }, progress);

    /// <summary>Runs seeds [<paramref name="from"/>, <paramref name="from"/> + <paramref name="count"/>) of <paramref name="template"/>.</summary>
    public static SweepResult Run(SimulationOptions template, ulong from, int count, SweepOptions options, Action<SweepProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(options);
        var results = new SimulationResult?[count];
        var workers = Math.Max(1, Math.Min(count, options.Parallelism > 0 ? options.Parallelism : Environment.ProcessorCount));
        var started = new long[workers]; // Stopwatch ticks at which each worker's current run started; 0 when idle.
        var seedOf = new int[workers];
        var stopwatch = Stopwatch.StartNew();
        var gate = new object();
        var next = 0;
        var lowestFailure = int.MaxValue;
        var done = 0;
        long events = 0;
        var violations = 0;
        var reportEvery = Math.Max(1, count / 20);

        void Work(int worker)
        {
            while (true)
            {
                int i;
                lock (gate)
                {
                    if (next >= count || (options.StopOnFailure && next > lowestFailure))
                    {
                        return;
                    }

                    i = next++;
                    seedOf[worker] = i;
                    Volatile.Write(ref started[worker], stopwatch.ElapsedTicks | 1);
                }

                var result = new Simulation(template with { Seed = from + (ulong)i }).Run();
                lock (gate)
                {
                    Volatile.Write(ref started[worker], 0);
                    results[i] = result;
                    done++;
                    events += result.Events;
                    if (!result.Passed)
                    {
                        violations++;
                        lowestFailure = Math.Min(lowestFailure, i);
                    }

                    if (progress is not null && (done % reportEvery == 0 || done == count))
                    {
                        progress(new SweepProgress(done, count, violations, events, stopwatch.Elapsed));
                    }
                }
            }
        }

        var threads = Enumerable.Range(0, workers).Select(w => new Thread(() => Work(w)) { IsBackground = true, Name = $"sweep-{w}" }).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        var limitTicks = (long)(options.RunSecondsMax * Stopwatch.Frequency);
        while (!threads.All(t => t.Join(200)))
        {
            for (var w = 0; w < workers; w++)
            {
                var start = Volatile.Read(ref started[w]);
                if (start != 0 && stopwatch.ElapsedTicks - start > limitTicks)
                {
                    // Abandon the stuck run (its thread is a background thread) and end the sweep with this verdict.
                    lock (gate)
                    {
                        var seed = from + (ulong)seedOf[w];
                        var hung = SimulationResult.Hung(template with { Seed = seed }, options.RunSecondsMax);
                        var finished = results.Where(r => r is not null).Select(r => r!).Append(hung).ToArray();
                        return new SweepResult(template, from, finished, stopwatch.Elapsed);
                    }
                }
            }
        }

        return new SweepResult(template, from, results.Where(r => r is not null).Select(r => r!).ToArray(), stopwatch.Elapsed);
    }
}
