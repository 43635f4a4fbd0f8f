using BenchmarkDotNet.Running;
using Halon.Bench;

// `figures` prints the protocol figures (ticks and messages to the first coordinator over many seeds) and a plain
// throughput measurement; anything else goes to BenchmarkDotNet (e.g. `--filter *`).
if (args.Length > 0 && args[0] == "figures")
{
    Figures.Print(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 1000);
    return 0;
}

if (args.Length > 0 && args[0] == "datadir")
{
    return DataDirBuilder.Run(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(SimulatorBenchmarks).Assembly).Run(args);
return 0;
