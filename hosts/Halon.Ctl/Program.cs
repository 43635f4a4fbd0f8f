using System.CommandLine;
using Halon.Ctl.Cli;

namespace Halon.Ctl;

/// <summary>
/// <c>halonctl</c>: bootstraps tracking-station peers and satellites, and shows a node's status, by talking to any
/// <c>halond</c> over the wire protocol. Exit codes: 0 success, 1 failure (with what is missing), 2 usage error.
/// </summary>
internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = Commands();

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync($"halonctl: {error.Message}").ConfigureAwait(false);
            }

            var path = string.Join(' ', EnumerateCommandPath(parse.CommandResult.Command));
            await Console.Error.WriteLineAsync($"Try '{path} --help'.").ConfigureAwait(false);
            return 2;
        }

        // Demo cleans up on Ctrl-C (kills its daemons, deletes its temp dirs): give it time to do so.
        var invocation = new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(10) };
        return await parse.InvokeAsync(invocation).ConfigureAwait(false);
    }

    /// <summary>Every command of halonctl; the completion scripts are generated from this tree.</summary>
    public static RootCommand Commands()
    {
        var root = new RootCommand("halonctl: bootstrap a Halon tracking station and its satellites, change its peers, and show status.\nNew here? Run 'halonctl demo'.");
        root.Subcommands.Add(BootstrapCommand.Create());
        root.Subcommands.Add(StationCommand.Create());
        root.Subcommands.Add(SatelliteCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        root.Subcommands.Add(ClusterCommand.CreateHealth());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(CertsCommand.Create());
        root.Subcommands.Add(KeyCommand.Create());
        root.Subcommands.Add(CompletionCommand.Create());
        root.Subcommands.Add(InfoCommands.Help());
        root.Subcommands.Add(InfoCommands.VersionCommand());
        InfoCommands.ShowHelpWhenBare(root);
        HelpText.Install(root);
        return root;
    }

    private static IEnumerable<string> EnumerateCommandPath(Command command)
    {
        var names = new List<string>();
        for (Symbol? symbol = command; symbol is Command c; symbol = c.Parents.FirstOrDefault())
        {
            names.Add(c is RootCommand ? "halonctl" : c.Name);
        }

        names.Reverse();
        return names;
    }
}
