using System.CommandLine;
using Halon.Core.Identity;
using Halon.Core.Protocol;
using Halon.Ctl.Addressing;
using Halon.Ctl.Membership;

namespace Halon.Ctl.Cli;

/// <summary>
/// <c>halonctl station add|remove|replace</c>: change a running station's peers, one voter at a time, with the
/// station's own refusals when a change would risk its quorum. (A station is made with <c>halonctl bootstrap station</c>.)
/// </summary>
internal static class StationCommand
{
    public static Command Create()
    {
        var command = new Command(
            "station",
            "Change a running station's peers: add, remove or replace one peer at a time, without stopping the coordinator. To make a station, see 'halonctl bootstrap station'.");
        command.Subcommands.Add(Add());
        command.Subcommands.Add(Remove());
        command.Subcommands.Add(Replace());
        return command;
    }

    private static Command Add()
    {
        var node = new Argument<string>("NODE") { Description = "The new peer: HOST[:PORT] of a halond with no role (started with an empty data dir)." };
        var options = new StationOptions();
        var command = new Command(
            "add",
            "Add a peer: NODE joins the station as a learner, catches up (the log, or a snapshot), and the master makes it a voter.\n\n" +
            "halonctl first tells NODE to join (with the station's cluster id and timing, read from a peer), then asks the master to add\n" +
            "it. With --wait it follows the catch-up (\"match M of N\") and the promotion, and ends when the configuration with NODE as a\n" +
            "voter is committed. Refused, with the reason, while another change is under way or when the station has 7 voters.\n" +
            "Safe to repeat. Exit code 0 when done or under way, 1 when refused, failed or timed out, 2 for a usage error.\n\n" +
            "Examples:\n" +
            "  halonctl station add ts04 --peers ts[01-03] --wait\n" +
            "  halonctl station add ts04:9070 --genders /etc/genders --dry-run\n" +
            "  halonctl station add ts04 --node ts01 --wait --json");
        command.Arguments.Add(node);
        options.AddTo(command);
        command.SetAction(Guarded.Action("station add", (parse, cancellationToken) =>
        {
            var port = options.DefaultPort(parse);
            return options.RunAsync(parse, new AddPeer(NodeList.ParseOne(parse.GetValue(node)!, port, "NODE")), cancellationToken);
        }));
        return command;
    }

    private static Command Remove()
    {
        var node = new Argument<string>("NODE") { Description = "The peer to remove: HOST[:PORT], a voter or a learner of the station (the master itself too)." };
        var options = new StationOptions();
        var command = new Command(
            "remove",
            "Remove a peer: the master commits a configuration without NODE; NODE then stops its supervisor (state removed) and stays stopped.\n\n" +
            "halond keeps running on NODE, answers status, and does not disturb the station; stop it, or add it again later. Removing the\n" +
            "master is allowed: it steps down once the change commits, and another peer takes over. Refused, with the reason, while\n" +
            "another change is under way, when the station has 2 voters, or when fewer than a majority of the remaining voters answer\n" +
            "the master. To swap a dead peer for a new one, use 'halonctl station replace' (it adds before it removes).\n" +
            "Safe to repeat. Exit code 0 when done or under way, 1 when refused, failed or timed out, 2 for a usage error.\n\n" +
            "Examples:\n" +
            "  halonctl station remove ts05 --peers ts[01-05] --wait\n" +
            "  halonctl station remove ts05:9070 --node ts01 --dry-run --json");
        command.Arguments.Add(node);
        options.AddTo(command);
        command.SetAction(Guarded.Action("station remove", (parse, cancellationToken) =>
        {
            var port = options.DefaultPort(parse);
            return options.RunAsync(parse, new RemovePeer(NodeList.ParseOne(parse.GetValue(node)!, port, "NODE")), cancellationToken);
        }));
        return command;
    }

    private static Command Replace()
    {
        var old = new Argument<string>("OLD") { Description = "The peer to replace: HOST[:PORT] of a voter, dead or alive." };
        var replacement = new Argument<string>("NEW") { Description = "Its replacement: HOST[:PORT] of a halond with no role, at a new address." };
        var options = new StationOptions();
        var command = new Command(
            "replace",
            "Replace a peer (a dead one, typically): NEW joins as a learner, catches up, becomes a voter, and only then is OLD removed.\n\n" +
            "The station never has fewer voters than before, and the coordinator keeps running throughout. Three log entries: NEW as a\n" +
            "learner with OLD retiring, NEW promoted, OLD removed; whichever master is in office carries them out. With --wait it\n" +
            "follows each step. Refused, with the reason, while another change is under way or when the station has 7 voters (remove\n" +
            "OLD first, then add NEW). Safe to repeat. Exit code 0 when done or under way, 1 when refused, failed or timed out, 2 for a\n" +
            "usage error. See docs/operations.md, \"Replace a failed peer\".\n\n" +
            "Examples:\n" +
            "  halonctl station replace ts03 ts04 --peers ts[01-02] --wait\n" +
            "  halonctl station replace ts03:9070 ts04:9070 --genders /etc/genders --wait --timeout 2m --json");
        command.Arguments.Add(old);
        command.Arguments.Add(replacement);
        options.AddTo(command);
        command.SetAction(Guarded.Action("station replace", (parse, cancellationToken) =>
        {
            var port = options.DefaultPort(parse);
            var from = NodeList.ParseOne(parse.GetValue(old)!, port, "OLD");
            var to = NodeList.ParseOne(parse.GetValue(replacement)!, port, "NEW");
            if (from.Equals(to))
            {
                throw new UsageException($"OLD and NEW are both {from}: a peer cannot replace itself; give the new peer a new address (or remove, then add)");
            }

            return options.RunAsync(parse, new ReplacePeer(from, to), cancellationToken);
        }));
        return command;
    }

    /// <summary>The options add, remove and replace share: where to find the station, waiting, output and security.</summary>
    private sealed class StationOptions
    {
        public Option<string?> Peers { get; } = new("--peers") { Description = "Peers of the station to ask (any of them; the request goes on to the master): HOST[:PORT] list, host ranges allowed.", HelpName = "A,B,C" };

        public Option<string?> Genders { get; } = new("--genders") { Description = "Ask the station's peers of this genders file (nodes with --attr, halon_port honoured).", HelpName = "FILE" };

        public Option<string?> Attr { get; } = new("--attr") { Description = "The genders attribute of the station's peers (default: station).", HelpName = "ATTR" };

        public Option<string?> Node { get; } = new("--node") { Description = $"A peer of the station to ask (default {ClusterOptions.LocalNode} when neither --peers nor --genders is given).", HelpName = "HOST:PORT" };

        public Option<int> Port { get; } = new("--port") { Description = "The port of names given without one (and of genders nodes without halon_port).", DefaultValueFactory = _ => NodeList.DefaultPort, HelpName = "PORT" };

        public Option<bool> Wait { get; } = new("--wait") { Description = "Wait until the change is carried out and committed, printing each step (catch-up, promotion, removal)." };

        public Option<string> Timeout { get; } = CommonOptions.Timeout("30s", "Give up after this long, waiting included; the change itself goes on");

        public Option<bool> DryRun { get; } = new("--dry-run") { Description = "Contact no node; print the plan: the nodes asked and the steps the change takes." };

        public Option<bool> Json { get; } = CommonOptions.Json("Print one JSON object instead of text (progress still goes to stderr).");

        public SecurityOptions Security { get; } = new();

        public void AddTo(Command command)
        {
            command.Options.Add(Peers);
            command.Options.Add(Genders);
            command.Options.Add(Attr);
            command.Options.Add(Node);
            command.Options.Add(Port);
            command.Options.Add(Wait);
            command.Options.Add(Timeout);
            command.Options.Add(DryRun);
            command.Options.Add(Json);
            Security.AddTo(command);
        }

        public int DefaultPort(ParseResult parse) => CommonOptions.CheckPort(parse.GetValue(Port), "--port");

        public async Task<int> RunAsync(ParseResult parse, MembershipChange change, CancellationToken cancellationToken)
        {
            var (entries, source) = Entries(parse);
            var timeout = CommonOptions.ParseTimeout(parse.GetValue(Timeout)!);
            var dryRun = parse.GetValue(DryRun);
            var security = dryRun ? Halon.Transport.Tcp.TransportSecurity.Insecure : Security.Load(parse);
            var plan = new MembershipPlan(change, entries, source, timeout, parse.GetValue(Wait), dryRun, parse.GetValue(Json), security);
            await using var runner = new MembershipRunner(plan, Console.Out, Console.Error);
            return await runner.RunAsync(cancellationToken).ConfigureAwait(false);
        }

        private (IReadOnlyList<NodeId> Nodes, string Source) Entries(ParseResult parse)
        {
            var port = DefaultPort(parse);
            if (parse.GetValue(Attr) is not null && parse.GetValue(Genders) is null)
            {
                throw new UsageException("--attr goes with --genders");
            }

            return (parse.GetValue(Peers), parse.GetValue(Genders), parse.GetValue(Node)) switch
            {
                ({ } list, null, null) => (NodeList.Parse(list, port, "--peers"), "--peers"),
                (null, { } file, null) => NodeList.FromGenders(file, parse.GetValue(Attr) ?? "station", port),
                (null, null, { } node) => (NodeList.Parse(node, port, "--node"), "--node"),
                (null, null, null) => (NodeList.Parse(ClusterOptions.LocalNode, port, "--node"), $"--node default {ClusterOptions.LocalNode}"),
                _ => throw new UsageException("give the station with one of --peers, --genders or --node"),
            };
        }
    }
}
