using System.CommandLine;
using Halon.Simulation.Harness;

namespace Halon.Simulation.Cli;

/// <summary>The options shared by <c>run</c> and <c>sweep</c>.</summary>
internal sealed class SimulationArguments
{
    public Option<int> Peers { get; } = new("--peers") { Description = "Station peers (1..7).", DefaultValueFactory = _ => 5 };

    public Option<int> Satellites { get; } = new("--satellites") { Description = "Satellites.", DefaultValueFactory = _ => 20 };

    public Option<string> Faults { get; } = new("--faults")
    {
        Description = $"'none', 'swarm' (each seed draws its own mix), or a comma list of: {string.Join(", ", FaultOptions.Names)}.",
        DefaultValueFactory = _ => "none",
    };

    public Option<string> Membership { get; } = new("--membership")
    {
        Description = "A membership scenario on top of the faults: 'none', or 'grow-shrink' (the station grows one voter at a time from --peers to 7, through spare nodes, and shrinks back, at least to 2, again and again during the fault phase; start with --peers 1 for 1→7→2).",
        DefaultValueFactory = _ => "none",
    };

    public Option<int> Ticks { get; } = new("--ticks") { Description = "Length of the run in ticks (a tick is 10 ms of the daemon's time).", DefaultValueFactory = _ => 2000 };

    public Option<bool> Json { get; } = new("--json") { Description = "Print one JSON object instead of a summary." };

    public Option<bool> LazySatelliteTicks { get; } = new("--lazy-satellite-ticks")
    {
        Description = $"Acknowledged satellites sleep through ticks that would do nothing, as halond does (always on above {SimulationOptions.LazySatelliteTicksAbove} satellites).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Peers);
        command.Options.Add(Satellites);
        command.Options.Add(Faults);
        command.Options.Add(Membership);
        command.Options.Add(Ticks);
        command.Options.Add(Json);
        command.Options.Add(LazySatelliteTicks);
    }

    /// <summary>Builds options, or returns null after printing what is wrong.</summary>
    public SimulationOptions? Build(ParseResult parse, ulong seed)
    {
        var options = new SimulationOptions
        {
            Seed = seed,
            Peers = parse.GetValue(Peers),
            Satellites = parse.GetValue(Satellites),
            FaultSpec = parse.GetValue(Faults) ?? "none",
            Membership = parse.GetValue(Membership) ?? "none",
            Ticks = parse.GetValue(Ticks),
            LazySatelliteTicks = parse.GetValue(LazySatelliteTicks),
        };
        try
        {
            options.Validate();
            return options;
        }
        catch (ArgumentException exception)
        {
            Console.Error.WriteLine($"halon-sim: {exception.Message}");
            return null;
        }
    }
}
