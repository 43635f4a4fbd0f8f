using System.CommandLine;
using Halon.Core.Identity;
using Halon.Ctl.Addressing;
using Halon.Ctl.Bootstrap;
using Halon.Genders;

namespace Halon.Ctl.Cli;

/// <summary><c>halonctl bootstrap station|satellite</c>.</summary>
internal static class BootstrapCommand
{
    public static Command Create()
    {
        var command = new Command("bootstrap", "Make nodes tracking-station peers or satellites. Safe to repeat: a node already bootstrapped answers \"already\".");
        command.Subcommands.Add(Station());
        command.Subcommands.Add(Satellite());
        return command;
    }

    private static Command Station()
    {
        var peers = new Option<string?>("--peers") { Description = "The station's peers: HOST[:PORT] list, host ranges allowed (ts[01-03]).", HelpName = "A,B,C" };
        var genders = new Option<string?>("--genders") { Description = "Take the peers from this genders file instead (nodes with --attr).", HelpName = "FILE" };
        var attr = new Option<string?>("--attr") { Description = "The genders attribute of the peers (default: station).", HelpName = "ATTR" };
        var shared = new SharedOptions("Act on these nodes only (default: all peers). --on localhost:9070 bootstraps just the local node (the uncoordinated deployment).");
        var command = new Command(
            "station",
            "Start a Recovery Supervisor on each peer: they wait for quorum, elect a master, and it runs the Recovery Coordinator.\n\n" +
            "Examples:\n" +
            "  # From anywhere, all peers at once (the coordinated deployment):\n" +
            "  halonctl bootstrap station --peers ts[01-03] --wait\n" +
            "  halonctl bootstrap station --genders /etc/genders --attr station --wait\n" +
            "  # On each peer, in any order, as often as you like (the uncoordinated deployment):\n" +
            "  pdsh -g station halonctl bootstrap station --genders /etc/genders --on localhost:9070\n" +
            "  # Print the plan and the per-node commands only:\n" +
            "  halonctl bootstrap station --peers ts[01-03] --dry-run");
        command.Options.Add(peers);
        command.Options.Add(genders);
        command.Options.Add(attr);
        shared.AddTo(command);
        command.SetAction(Guarded.Action("bootstrap station", (parse, cancellationToken) =>
        {
            var port = CommonOptions.CheckPort(parse.GetValue(shared.Port), "--port");
            var (peerList, source) = (parse.GetValue(peers), parse.GetValue(genders)) switch
            {
                ({ } list, null) when parse.GetValue(attr) is null => (NodeList.Parse(list, port, "--peers"), "--peers"),
                ({ }, null) => throw new UsageException("--attr goes with --genders"),
                (null, { } file) => FromGenders(file, parse.GetValue(attr) ?? "station", port),
                (null, null) => throw new UsageException("give the peers with --peers A,B,C or --genders FILE"),
                _ => throw new UsageException("give the peers with --peers or --genders, not both"),
            };
            var peerSet = MakePeerSet(peerList);
            var on = parse.GetValue(shared.On) is { } onText ? NodeList.Parse(onText, port, "--on") : peerSet.Members;
            return shared.RunAsync(parse, new BootstrapPlan(BootstrapKind.Station, peerSet, on, source, shared.Security.Arguments(parse)), cancellationToken);
        }));
        return command;
    }

    private static Command Satellite()
    {
        var station = new Option<string>("--station") { Description = "The station's peers: HOST[:PORT] list, host ranges allowed.", HelpName = "A,B,C", Required = true };
        var genders = new Option<string?>("--genders") { Description = "Take the satellites from this genders file (nodes with --attr).", HelpName = "FILE" };
        var attr = new Option<string?>("--attr") { Description = "The genders attribute of the satellites (default: satellite).", HelpName = "ATTR" };
        var shared = new SharedOptions("The satellites to bootstrap (with --genders: act on these only). --on localhost:9070 bootstraps just the local node.");
        var command = new Command(
            "satellite",
            "Start the announcer on each satellite: it sends \"node up\" to the station until the coordinator acknowledges it.\n\n" +
            "Examples:\n" +
            "  halonctl bootstrap satellite --station ts[01-03] --on n[001-120] --wait\n" +
            "  halonctl bootstrap satellite --station ts[01-03] --genders /etc/genders --attr satellite --wait\n" +
            "  pdsh -g satellite halonctl bootstrap satellite --station ts[01-03] --on localhost:9070");
        command.Options.Add(station);
        command.Options.Add(genders);
        command.Options.Add(attr);
        shared.AddTo(command);
        command.SetAction(Guarded.Action("bootstrap satellite", (parse, cancellationToken) =>
        {
            var port = CommonOptions.CheckPort(parse.GetValue(shared.Port), "--port");
            var stationSet = MakePeerSet(NodeList.Parse(parse.GetValue(station)!, port, "--station"));
            if (parse.GetValue(attr) is not null && parse.GetValue(genders) is null)
            {
                throw new UsageException("--attr goes with --genders");
            }

            var (on, source) = (parse.GetValue(shared.On), parse.GetValue(genders)) switch
            {
                ({ } onText, _) => (NodeList.Parse(onText, port, "--on"), "--station and --on"),
                (null, { } file) => FromGenders(file, parse.GetValue(attr) ?? "satellite", port),
                (null, null) => throw new UsageException("name the satellites with --on NODES or --genders FILE"),
            };
            return shared.RunAsync(parse, new BootstrapPlan(BootstrapKind.Satellite, stationSet, on, source, shared.Security.Arguments(parse)), cancellationToken);
        }));
        return command;
    }

    private static (IReadOnlyList<NodeId> Nodes, string Source) FromGenders(string file, string attribute, int port)
    {
        IReadOnlyList<string> addresses;
        try
        {
            addresses = GendersFile.Load(file).Addresses(attribute, port);
        }
        catch (Exception e) when (e is GendersParseException or IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--genders: {e.Message}", e);
        }

        if (addresses.Count == 0)
        {
            throw new UsageException($"--genders: no node in {file} has the attribute '{attribute}'");
        }

        var nodes = addresses.Select(a => NodeList.WithPort(a, port, "--genders")).ToList();
        return (nodes, $"nodes with attribute '{attribute}' in genders file {file}");
    }

    private static PeerSet MakePeerSet(IReadOnlyList<NodeId> nodes)
    {
        try
        {
            return PeerSet.Create(nodes);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message, e);
        }
    }

    /// <summary>The options station and satellite share, and the run that follows parsing.</summary>
    private sealed class SharedOptions
    {
        public SharedOptions(string onDescription)
        {
            On = new Option<string?>("--on") { Description = onDescription, HelpName = "NODES" };
        }

        public Option<string?> On { get; }

        public Option<int> Port { get; } = new("--port") { Description = "The port of names given without one (and of genders nodes without halon_port).", DefaultValueFactory = _ => NodeList.DefaultPort, HelpName = "PORT" };

        public Option<bool> Wait { get; } = new("--wait") { Description = "Wait until the bootstrap has taken effect, printing what is still missing; retries nodes not up yet." };

        public Option<string> Timeout { get; } = CommonOptions.Timeout("30s", "Give up after this long, waiting included");

        public Option<bool> DryRun { get; } = new("--dry-run") { Description = "Contact no node; print the plan and the equivalent per-node commands." };

        public Option<bool> Json { get; } = CommonOptions.Json("Print one JSON object instead of text.");

        public SecurityOptions Security { get; } = new();

        public void AddTo(Command command)
        {
            command.Options.Add(On);
            command.Options.Add(Port);
            command.Options.Add(Wait);
            command.Options.Add(Timeout);
            command.Options.Add(DryRun);
            command.Options.Add(Json);
            Security.AddTo(command);
        }

        public async Task<int> RunAsync(ParseResult parse, BootstrapPlan plan, CancellationToken cancellationToken)
        {
            var timeout = CommonOptions.ParseTimeout(parse.GetValue(Timeout)!);
            var json = parse.GetValue(Json);
            if (parse.GetValue(DryRun))
            {
                await Console.Out.WriteLineAsync(json ? PlanPrinter.Json(plan) : PlanPrinter.Text(plan)).ConfigureAwait(false);
                return 0;
            }

            var security = Security.Load(parse);
            var runner = new BootstrapRunner(plan, new BootstrapOptions(parse.GetValue(Wait), timeout, json, security), Console.Out, Console.Error);
            return await runner.RunAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
