using System.CommandLine;
using Halon.Simulation.Scripting;

namespace Halon.Simulation.Cli;

/// <summary><c>halon-sim script FILE</c>: runs an interaction script and prints its output.</summary>
internal static class ScriptCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "The script (see docs/testing.md for its commands)." };
        var command = new Command("script", "Run an interaction script and print what happens, line by line.");
        command.Arguments.Add(file);
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                Console.Error.WriteLine($"halon-sim: no such script: {path.FullName}");
                return 2;
            }

            try
            {
                foreach (var line in ScriptRunner.Run(File.ReadAllText(path.FullName)))
                {
                    Console.Out.WriteLine(line);
                }

                return 0;
            }
            catch (ScriptFailedException exception)
            {
                // The whole story up to the failure, then what failed.
                foreach (var line in exception.Output)
                {
                    Console.Out.WriteLine(line);
                }

                Console.Error.WriteLine($"halon-sim: {exception.Message}");
                return 1;
            }
        });
        return command;
    }
}
