using System.CommandLine;
using Halon.Core.Identity;
using Halon.Ctl.Addressing;
using Halon.Ctl.Removal;

namespace Halon.Ctl.Cli;

/// <summary><c>halonctl satellite remove</c>: decommissioning. (Satellites are bootstrapped with <c>halonctl bootstrap satellite</c>.)</summary>
internal static class SatelliteCommand
{
    public static Command Create()
    {
        var command = new Command("satellite", "Manage the station's satellites: remove (decommission) them. To bootstrap one, see 'halonctl bootstrap satellite'.");
        command.Subcommands.Add(Remove());
        return command;
    }

    private static Command Remove()
    {
        var nodes = new Argument<string[]>("NODE")
        {
            Description = "The satellites to remove: HOST[:PORT], lists and host ranges allowed (n[001-004]).",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var station = new Option<string?>("--station") { Description = "The station's peers: HOST[:PORT] list, host ranges allowed. Or take them from the genders file (--station-attr).", HelpName = "A,B,C" };
        var genders = new Option<string?>("--genders") { Description = "A genders file: the station's peers (nodes with --station-attr) and, with --attr, the satellites to remove.", HelpName = "FILE" };
        var attr = new Option<string?>("--attr") { Description = "Remove the nodes of the genders file with this attribute (no default: name the decommissioned ones, not all satellites).", HelpName = "ATTR" };
        var stationAttr = new Option<string?>("--station-attr") { Description = "The genders attribute of the station's peers (default with --genders and no --station: station).", HelpName = "ATTR" };
        var port = new Option<int>("--port") { Description = "The port of names given without one (and of genders nodes without halon_port).", DefaultValueFactory = _ => NodeList.DefaultPort, HelpName = "PORT" };
        var timeout = CommonOptions.Timeout("30s", "Give up after this long, waiting for the removals to commit included");
        var dryRun = new Option<bool>("--dry-run") { Description = "Change nothing: read the coordinator's table and print what would be removed, what is removed already and what is absent." };
        var json = CommonOptions.Json("Print one JSON object instead of text.");
        var expect = new Option<int?>("--expect") { Description = "The number of satellites you expect to remove; halonctl refuses any other number (an attribute that matched too many hosts).", HelpName = "N" };
        var security = new SecurityOptions();
        var command = new Command(
            "remove",
            "Take satellites out of the station's table (decommissioning). The coordinator appends a removal that every peer applies once\n" +
            "it commits; the satellite is told, stops announcing and stays stopped across restarts, and the station refuses it until it\n" +
            "is bootstrapped again (halonctl bootstrap satellite, which gives it a new installation id). Removing a node that is removed\n" +
            "already, or that the station does not know, changes nothing. Stopping halond is not a removal: a rebooting node stays in the table.\n\n" +
            "Results per node: removed, already-removed, absent (no record), refused (with the coordinator's reason), failed (no commit\n" +
            "or no coordinator before --timeout). Exit code 0 when every node is out of the table, 1 otherwise, 2 for a usage error.\n\n" +
            "Examples:\n" +
            "  halonctl satellite remove n017 n042 --station ts[01-03]\n" +
            "  halonctl satellite remove --genders /etc/genders --attr decommissioned --dry-run\n" +
            "  halonctl satellite remove --genders /etc/genders --attr decommissioned --expect 12 --json");
        command.Arguments.Add(nodes);
        command.Options.Add(station);
        command.Options.Add(genders);
        command.Options.Add(attr);
        command.Options.Add(stationAttr);
        command.Options.Add(port);
        command.Options.Add(timeout);
        command.Options.Add(dryRun);
        command.Options.Add(json);
        security.AddTo(command);
        command.Options.Add(expect);
        command.SetAction(Guarded.Action("satellite remove", async (parse, cancellationToken) =>
        {
            var defaultPort = CommonOptions.CheckPort(parse.GetValue(port), "--port");
            var file = parse.GetValue(genders);
            if (file is null && (parse.GetValue(attr) is not null || parse.GetValue(stationAttr) is not null))
            {
                throw new UsageException($"{(parse.GetValue(attr) is not null ? "--attr" : "--station-attr")} goes with --genders");
            }

            var (stationList, stationSource) = (parse.GetValue(station), parse.GetValue(stationAttr), file) switch
            {
                ({ }, { }, _) => throw new UsageException("give the station with --station or --station-attr, not both"),
                ({ } list, null, _) => (NodeList.Parse(list, defaultPort, "--station"), "--station"),
                (null, var attribute, { } path) => NodeList.FromGenders(path, attribute ?? "station", defaultPort),
                (null, _, null) => throw new UsageException("give the station with --station A,B,C, or with --genders FILE (its nodes with --station-attr, default station)"),
            };
            var named = parse.GetValue(nodes) ?? [];
            IReadOnlyList<NodeId> satellites = (named.Length, parse.GetValue(attr), file) switch
            {
                (> 0, { }, _) => throw new UsageException("name the satellites as arguments or with --attr, not both"),
                (> 0, null, _) => named.SelectMany(n => NodeList.Parse(n, defaultPort, "NODE")).Distinct().ToList(),
                (0, { } attribute, { } path) => NodeList.FromGenders(path, attribute, defaultPort).Nodes,
                _ => throw new UsageException("name the satellites to remove: NODE... or --genders FILE --attr ATTR"),
            };
            if (parse.GetValue(expect) is { } expected && expected != satellites.Count)
            {
                throw new UsageException(expected < 1
                    ? $"--expect {expected} is not a number of nodes (1 or more)"
                    : $"{satellites.Count} satellites to remove, but --expect {expected}; check the node list (or the genders attribute)");
            }

            var stationSet = StationSet(stationList);
            var overlap = satellites.Where(stationSet.Contains).ToList();
            if (overlap.Count > 0)
            {
                throw new UsageException($"{string.Join(", ", overlap)} {(overlap.Count == 1 ? "is a peer" : "are peers")} of the station ({stationSource}), not a satellite");
            }

            var plan = new RemovalPlan(satellites, stationSet, stationSource, CommonOptions.ParseTimeout(parse.GetValue(timeout)!), parse.GetValue(dryRun), parse.GetValue(json), security.Load(parse));
            return await new RemovalRunner(plan, Console.Out, Console.Error).RunAsync(cancellationToken).ConfigureAwait(false);
        }));
        return command;
    }

    private static PeerSet StationSet(IReadOnlyList<NodeId> nodes)
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
}
