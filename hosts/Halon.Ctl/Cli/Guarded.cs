using System.CommandLine;

namespace Halon.Ctl.Cli;

/// <summary>
/// Runs a command's action and turns what can go wrong into halonctl's exit codes: 2 for a value that cannot be used
/// (with a pointer to <c>--help</c>), 130 when interrupted. Failures of the operation itself are the action's to
/// report, with exit code 1.
/// </summary>
internal static class Guarded
{
    public static Func<ParseResult, CancellationToken, Task<int>> Action(string commandPath, Func<ParseResult, CancellationToken, Task<int>> action) =>
        async (parse, cancellationToken) =>
        {
            try
            {
                return await action(parse, cancellationToken).ConfigureAwait(false);
            }
            catch (UsageException e)
            {
                await Console.Error.WriteLineAsync($"halonctl {commandPath}: {e.Message}").ConfigureAwait(false);
                await Console.Error.WriteLineAsync($"Try 'halonctl {commandPath} --help'.").ConfigureAwait(false);
                return 2;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync("halonctl: interrupted").ConfigureAwait(false);
                return 130;
            }
        };
}
