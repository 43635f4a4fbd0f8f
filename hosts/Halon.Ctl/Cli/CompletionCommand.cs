using System.CommandLine;
using Halon.Ctl.Completion;

namespace Halon.Ctl.Cli;

/// <summary><c>halonctl completion bash|zsh</c>: prints a completion script generated from the command definitions.</summary>
internal static class CompletionCommand
{
    public static Command Create()
    {
        var shell = new Argument<string>("shell") { Description = "The shell: bash or zsh." };
        shell.AcceptOnlyFromAmong([.. CompletionScript.Shells]);
        var command = new Command(
            "completion",
            "Print a shell completion script for halonctl's commands and options.\n\n" +
            "Examples:\n" +
            "  source <(halonctl completion bash)                       # this shell\n" +
            "  halonctl completion bash > /etc/bash_completion.d/halonctl  # every bash\n" +
            "  halonctl completion zsh > \"${fpath[1]}/_halonctl\"          # every zsh (after compinit)");
        command.Arguments.Add(shell);
        command.SetAction(Guarded.Action("completion", async (parse, cancellationToken) =>
        {
            var root = (RootCommand)parse.RootCommandResult.Command;
            await Console.Out.WriteAsync(CompletionScript.For(parse.GetValue(shell)!, root, "halonctl")).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }
}
