using System.CommandLine;
using Halon.Core.Identity;
using Halon.Ctl.Addressing;
using Halon.Ctl.Bootstrap;

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
        var timing = new Option<string?>("--timing")
        {
            Description = "The station's timing, the same on every peer, chosen once: lan (the default for a new station: heartbeat 50 ms, election 250 ms), wan (200 ms, 1.5 s), legacy (10 ms, 150 ms), or heartbeat=MS,election=MS[,drift=1.1]. Without it, a bootstrapped node keeps its station's timing.",
            HelpName = "PROFILE",
        };
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
        command.Options.Add(timing);
        shared.AddTo(command);
        command.SetAction(Guarded.Action("bootstrap station", (parse, cancellationToken) =>
        {
            var port = CommonOptions.CheckPort(parse.GetValue(shared.Port), "--port");
            var (peerList, source) = (parse.GetValue(peers), parse.GetValue(genders)) switch
            {
                ({ } list, null) when parse.GetValue(attr) is null => (NodeList.Parse(list, port, "--peers"), "--peers"),
                ({ }, null) => throw new UsageException("--attr goes with --genders"),
                (null, { } file) => NodeList.FromGenders(file, parse.GetValue(attr) ?? "station", port),
                (null, null) => throw new UsageException("give the peers with --peers A,B,C or --genders FILE"),
                _ => throw new UsageException("give the peers with --peers or --genders, not both"),
            };
            var peerSet = MakePeerSet(peerList);
            var on = parse.GetValue(shared.On) is { } onText ? NodeList.Parse(onText, port, "--on") : peerSet.Members;
            var stationTiming = parse.GetValue(timing) is { } timingText ? TimingOption.Parse(timingText) : null;
            return shared.RunAsync(parse, new BootstrapPlan(BootstrapKind.Station, peerSet, on, source, shared.Security.Arguments(parse), shared.Expected(parse), stationTiming), cancellationToken);
        }));
        return command;
    }

    private static Command Satellite()
    {
        var station = new Option<string?>("--station") { Description = "The station's peers: HOST[:PORT] list, host ranges allowed. Or take them from the genders file (--station-attr).", HelpName = "A,B,C" };
        var genders = new Option<string?>("--genders") { Description = "Take the satellites (nodes with --attr) and the station (nodes with --station-attr) from this genders file.", HelpName = "FILE" };
        var attr = new Option<string?>("--attr") { Description = "The genders attribute of the satellites (default: satellite).", HelpName = "ATTR" };
        var stationAttr = new Option<string?>("--station-attr") { Description = "The genders attribute of the station's peers, with their halon_port as for bootstrap station (default with --genders and no --station: station).", HelpName = "ATTR" };
        var shared = new SharedOptions("The satellites to bootstrap (with --genders: act on these only). --on localhost:9070 bootstraps just the local node.");
        var command = new Command(
            "satellite",
            "Start the announcer on each satellite: it sends \"node up\" to the station until the coordinator acknowledges it.\n\n" +
            "The station list must be the station's own peer set (take it from the genders file, as bootstrap station does);\n" +
            "halonctl refuses a list that a peer of the station shows is another one.\n\n" +
            "Examples:\n" +
            "  halonctl bootstrap satellite --genders /etc/genders --attr satellite --station-attr station --wait\n" +
            "  halonctl bootstrap satellite --station ts[01-03] --on n[001-120] --wait\n" +
            "  pdsh -g satellite halonctl bootstrap satellite --genders /etc/genders --station-attr station --on localhost:9070");
        command.Options.Add(station);
        command.Options.Add(genders);
        command.Options.Add(attr);
        command.Options.Add(stationAttr);
        shared.AddTo(command);
        command.SetAction(Guarded.Action("bootstrap satellite", (parse, cancellationToken) =>
        {
            var port = CommonOptions.CheckPort(parse.GetValue(shared.Port), "--port");
            var file = parse.GetValue(genders);
            if (file is null && (parse.GetValue(attr) is not null || parse.GetValue(stationAttr) is not null))
            {
                throw new UsageException($"{(parse.GetValue(attr) is not null ? "--attr" : "--station-attr")} goes with --genders");
            }

            var (stationList, stationSource) = (parse.GetValue(station), parse.GetValue(stationAttr), file) switch
            {
                ({ }, { }, _) => throw new UsageException("give the station with --station or --station-attr, not both"),
                ({ } list, null, _) => (NodeList.Parse(list, port, "--station"), "--station"),
                (null, var attribute, { } path) => NodeList.FromGenders(path, attribute ?? "station", port),
                (null, _, null) => throw new UsageException("give the station with --station A,B,C, or with --genders FILE (its nodes with --station-attr, default station)"),
            };
            var stationSet = MakePeerSet(stationList);
            var (on, source) = (parse.GetValue(shared.On), file) switch
            {
                ({ } onText, _) => (NodeList.Parse(onText, port, "--on"), "--on"),
                (null, { } path) => NodeList.FromGenders(path, parse.GetValue(attr) ?? "satellite", port),
                (null, null) => throw new UsageException("name the satellites with --on NODES or --genders FILE"),
            };
            var plan = new BootstrapPlan(BootstrapKind.Satellite, stationSet, on, $"{source} (station: {stationSource})", shared.Security.Arguments(parse), shared.Expected(parse));
            return shared.RunAsync(parse, plan, cancellationToken);
        }));
        return command;
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

        public Option<int?> Expect { get; } = new("--expect") { Description = "The number of nodes to act on that you expect; halonctl refuses to act on any other number (a genders attribute that matched too few hosts).", HelpName = "N" };

        /// <summary>The value of <c>--expect</c>, checked.</summary>
        public int? Expected(ParseResult parse) => parse.GetValue(Expect) switch
        {
            null => null,
            var n when n < 1 => throw new UsageException($"--expect {n} is not a number of nodes (1 or more)"),
            var n => n,
        };

        public void AddTo(Command command)
        {
            command.Options.Add(On);
            command.Options.Add(Port);
            command.Options.Add(Wait);
            command.Options.Add(Timeout);
            command.Options.Add(DryRun);
            command.Options.Add(Json);
            Security.AddTo(command);
            command.Options.Add(Expect);
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

            if (plan.ExpectationMissed is { } missed)
            {
                throw new UsageException(missed + "; check the node list (or the genders file) and --expect");
            }

            foreach (var note in plan.Notes())
            {
                await Console.Error.WriteLineAsync($"halonctl: note: {note}").ConfigureAwait(false);
            }

            var security = Security.Load(parse);
            var runner = new BootstrapRunner(plan, new BootstrapOptions(parse.GetValue(Wait), timeout, json, security), Console.Out, Console.Error);
            return await runner.RunAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
