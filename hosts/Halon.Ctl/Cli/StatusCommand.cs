using System.CommandLine;
using Halon.Ctl.Addressing;
using Halon.Ctl.Bootstrap;
using Halon.Ctl.Cluster;
using Halon.Ctl.Output;

namespace Halon.Ctl.Cli;

/// <summary><c>halonctl status [--node HOST:PORT] [--cluster [--satellites]] [--json]</c>.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var options = new ClusterOptions("5s");
        var cluster = new Option<bool>("--cluster") { Description = "Ask every peer of the node's station at once and show one row per peer (like etcdctl endpoint status --cluster)." };
        var command = new Command(
            "status",
            "Show a node's role, supervisor state, master, coordinator, peers and satellites; with --cluster, every peer's.\n\n" +
            "Examples:\n" +
            "  halonctl status --node ts01:9070\n" +
            "  halonctl status --cluster --satellites\n" +
            "  halonctl status --cluster --genders /etc/genders --json");
        command.Options.Add(cluster);
        options.AddTo(command);
        command.SetAction(Guarded.Action("status", async (parse, cancellationToken) =>
        {
            var json = parse.GetValue(options.Json);
            if (parse.GetValue(cluster))
            {
                return await ClusterCommand.RunAsync(options, parse, health: false, cancellationToken).ConfigureAwait(false);
            }

            if (parse.GetValue(options.Satellites) || parse.GetValue(options.Genders) is not null)
            {
                throw new UsageException($"{(parse.GetValue(options.Satellites) ? "--satellites" : "--genders")} goes with --cluster");
            }

            var target = NodeList.ParseOne(options.NodeText(parse), CommonOptions.CheckPort(parse.GetValue(options.Port), "--port"), "--node");
            var timeout = CommonOptions.ParseTimeout(parse.GetValue(options.Timeout)!);
            var security = options.Security.Load(parse);
            using var deadline = new Deadline(timeout, cancellationToken);
            await using var session = new NodeSession(target, security, deadline);
            var (ok, report) = await session.TryCallAsync("status-report", (client, token) => client.GetStatusReportAsync(token), Timeout.InfiniteTimeSpan).ConfigureAwait(false);
            if (!ok || report is null)
            {
                var error = session.LastError ?? $"{target}: no answer within {deadline.TimeoutText}";
                await Console.Error.WriteLineAsync($"halonctl: {error}").ConfigureAwait(false);
                if (json)
                {
                    await Console.Out.WriteLineAsync(StatusJson.Error(target.Value, "unreachable", error)).ConfigureAwait(false);
                }

                return 1;
            }

            await Console.Out.WriteLineAsync(json
                ? StatusJson.Write(report.Node, report.Transport)
                : StatusText.Write(report.Node) + "\n\n" + TransportText.Write(report.Transport)).ConfigureAwait(false);
            return 0;
        }));
        return command;
    }
}
