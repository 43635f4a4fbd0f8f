using System.Globalization;
using Halon.LoadGen;

LoadOptions options;
try
{
    if (args.Length == 0 || args.Contains("--help") || args.Contains("-h"))
    {
        Console.Out.WriteLine(LoadOptions.Usage);
        return args.Length == 0 ? 2 : 0;
    }

    options = LoadOptions.Parse(args);
}
catch (FormatException e)
{
    Console.Error.WriteLine($"halon-loadgen: {e.Message}");
    Console.Error.WriteLine("run halon-loadgen --help for the options");
    return 2;
}

var (before, after, hard) = FileLimit.RaiseToHard();

// Thousands of transports share this process's thread pool: start it wide rather than let it grow one thread at a time
// while connections time out.
ThreadPool.GetMinThreads(out var workers, out var completions);
ThreadPool.SetMinThreads(Math.Max(workers, 64), Math.Max(completions, 64));
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

if (options.Worker is { } slice)
{
    // A child process: listen, say so, wait for the word, run, print the result as one JSON line.
    var run = new LoadRun(options, Console.Error);
    SatelliteFleet fleet;
    try
    {
        fleet = await SatelliteFleet.StartAsync(run.Fleet(slice.First, slice.Count), Console.Error);
    }
    catch (InvalidOperationException e)
    {
        Console.Out.WriteLine(e.Message);
        return 1;
    }

    await using (fleet)
    {
        Console.Out.WriteLine("ready");
        if (Console.In.ReadLine() != "go")
        {
            return 1;
        }

        var result = fleet.Run(TimeSpan.FromSeconds(options.TimeoutSeconds), cancel.Token, (acknowledged, by) =>
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"progress {acknowledged}{(by is null ? string.Empty : " " + by.Value)}")));
        Console.Out.WriteLine(WorkerResult.Format(result));
    }

    return 0;
}

var processes = options.Processes ?? LoadRun.ProcessesFor(options.Satellites, after == 0 ? 1024 : after);
if (before != after)
{
    Console.Error.WriteLine($"halon-loadgen: open-file limit raised from {before} to {after} (the hard limit); each virtual satellite holds up to {LoadRun.SocketsPerSatellite} sockets");
}

if (processes > 1)
{
    Console.Error.WriteLine($"halon-loadgen: {options.Satellites} satellites need {processes} processes under an open-file limit of {after} (raise the hard limit, ulimit -Hn, to use fewer)");
}

LoadReport report;
try
{
    report = await new LoadRun(options, Console.Error).RunAsync(processes, cancel.Token);
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine($"halon-loadgen: {e.Message}");
    return 1;
}

Console.Out.Write(options.Json ? report.ToJson() + "\n" : report.ToText());
var lost = report.Failover is { } failover && failover.TableMissing != 0;
return report.Acknowledged == report.Satellites && !lost ? 0 : 1;
