using System.CommandLine;

namespace Halon.Simulation.Cli;

/// <summary>Sub-commands beyond run and sweep.</summary>
internal static partial class ExtraCommands
{
    public static IEnumerable<Command> Create()
    {
        yield return ScriptCommand.Create();
        yield return CoyoteCommand.Create();
        yield return TimelineCommand.Create();
    }
}
