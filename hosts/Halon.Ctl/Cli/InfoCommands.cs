using System.CommandLine;
using System.CommandLine.Help;
using System.Reflection;
using Halon.Ctl.Output;
using Halon.Transport.Tcp;

namespace Halon.Ctl.Cli;

/// <summary><c>halonctl help [COMMAND...]</c> and <c>halonctl version</c>.</summary>
internal static class InfoCommands
{
    /// <summary>halonctl's version: the assembly's informational version (the release and the commit it was built from).</summary>
    public static string Version =>
        typeof(InfoCommands).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static Command Help()
    {
        var words = new Argument<string[]>("command") { Description = "The command to explain, for example: bootstrap station.", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("help", "Show help for halonctl or one of its commands (the same as COMMAND --help).");
        command.Arguments.Add(words);
        command.SetAction(parse =>
        {
            var root = parse.RootCommandResult.Command;
            var path = parse.GetValue(words) ?? [];
            Command command = root;
            foreach (var word in path)
            {
                if (command.Subcommands.FirstOrDefault(c => c.Name == word || c.Aliases.Contains(word)) is not { } next)
                {
                    Console.Error.WriteLine($"halonctl help: '{string.Join(' ', path)}' is not a halonctl command");
                    Console.Error.WriteLine("Try 'halonctl --help'.");
                    return 2;
                }

                command = next;
            }

            return root.Parse([.. path, "--help"]).Invoke();
        });
        return command;
    }

    public static Command VersionCommand()
    {
        var json = CommonOptions.Json("Print one JSON object.");
        var command = new Command("version", "Show halonctl's version and the wire protocol version it speaks (also: halonctl --version).");
        command.Options.Add(json);
        command.SetAction(parse =>
        {
            Console.Out.WriteLine(parse.GetValue(json)
                ? JsonText.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("version", Version);
                    w.WriteNumber("wire_protocol", WireProtocol.Version);
                    w.WriteEndObject();
                })
                : $"halonctl {Version}\nwire protocol {WireProtocol.Version}");
            return 0;
        });
        return command;
    }

    /// <summary>Makes a command that only groups others print its help when run alone, instead of an error.</summary>
    public static void ShowHelpWhenBare(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Action is null && command.Subcommands.Count > 0)
        {
            command.SetAction(parse => new HelpAction().Invoke(parse));
        }

        foreach (var child in command.Subcommands)
        {
            ShowHelpWhenBare(child);
        }
    }
}
