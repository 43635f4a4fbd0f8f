using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Runtime.CompilerServices;

namespace Halon.Ctl.Cli;

/// <summary>
/// Keeps command lists short and help pages complete: a command's description is its first paragraph (shown in the
/// list of its parent's commands), and what follows the first blank line (examples, notes) is printed at the end of
/// the command's own help page.
/// </summary>
internal static class HelpText
{
    private static readonly ConditionalWeakTable<Command, string> s_details = [];

    /// <summary>Splits every description of the tree and makes <c>--help</c> print the details.</summary>
    public static void Install(RootCommand root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var pending = new Stack<Command>([root]);
        while (pending.TryPop(out var command))
        {
            var paragraphs = (command.Description ?? string.Empty).Split("\n\n", 2);
            if (paragraphs.Length == 2)
            {
                command.Description = paragraphs[0];
                s_details.AddOrUpdate(command, paragraphs[1]);
            }

            foreach (var child in command.Subcommands)
            {
                pending.Push(child);
            }
        }

        root.Options.OfType<HelpOption>().Single().Action = new DetailedHelpAction();
    }

    private sealed class DetailedHelpAction : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var result = new HelpAction().Invoke(parseResult);
            if (s_details.TryGetValue(parseResult.CommandResult.Command, out var details))
            {
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine(details.TrimEnd());
                output.WriteLine();
            }

            return result;
        }
    }
}
