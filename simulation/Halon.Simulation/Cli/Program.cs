using System.CommandLine;

namespace Halon.Simulation.Cli;

/// <summary>
/// <c>halon-sim</c>: seeded simulation of the protocol. Exit codes: 0 success, 1 a violation (with the command that
/// replays it), 2 a usage error.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        var root = new RootCommand("Deterministic simulation of Halon's bootstrap protocol: one seed reproduces a whole run.");
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(SweepCommand.Create());
        foreach (var extra in ExtraCommands.Create())
        {
            root.Subcommands.Add(extra);
        }

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                Console.Error.WriteLine($"halon-sim: {error.Message}");
            }

            Console.Error.WriteLine("Try 'halon-sim --help'.");
            return 2;
        }

        return parse.Invoke();
    }
}
