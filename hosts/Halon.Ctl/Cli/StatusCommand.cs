using System.CommandLine;
using Halon.Ctl.Addressing;
using Halon.Ctl.Output;
using Halon.Transport.Tcp;

namespace Halon.Ctl.Cli;

/// <summary><c>halonctl status [--node HOST:PORT] [--json]</c>.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var node = new Option<string>("--node") { Description = "The node to ask.", DefaultValueFactory = _ => "127.0.0.1:9070", HelpName = "HOST:PORT" };
        var json = CommonOptions.Json("Print one JSON object (snake_case fields).");
        var timeout = CommonOptions.Timeout("5s", "Give up after this long");
        var security = new SecurityOptions();
        var command = new Command("status", "Show a node's role, supervisor state, master, coordinator, peers, satellites, and its connections with the key each uses.");
        command.Options.Add(node);
        command.Options.Add(json);
        command.Options.Add(timeout);
        security.AddTo(command);
        command.SetAction(Guarded.Action("status", async (parse, cancellationToken) =>
        {
            var target = NodeList.ParseOne(parse.GetValue(node)!, NodeList.DefaultPort, "--node");
            var limit = CommonOptions.ParseTimeout(parse.GetValue(timeout)!);
            var credentials = security.Load(parse);
            try
            {
                await using var client = await ControlClient.ConnectAsync(target, credentials, limit, cancellationToken).ConfigureAwait(false);
                var report = await client.GetStatusReportAsync(cancellationToken).ConfigureAwait(false);
                await Console.Out.WriteLineAsync(parse.GetValue(json)
                    ? StatusJson.Write(report.Node, report.Transport)
                    : StatusText.Write(report.Node) + "\n\n" + TransportText.Write(report.Transport)).ConfigureAwait(false);
                return 0;
            }
            catch (ControlException e)
            {
                await Console.Error.WriteLineAsync($"halonctl: {e.Message}").ConfigureAwait(false);
                return 1;
            }
        }));
        return command;
    }
}
