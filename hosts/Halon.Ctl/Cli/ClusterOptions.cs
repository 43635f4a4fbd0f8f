using System.CommandLine;
using Halon.Core.Identity;
using Halon.Ctl.Addressing;

namespace Halon.Ctl.Cli;

/// <summary>
/// The options of the commands that look at a node or a whole station (<c>status</c>, <c>health</c>): where to start
/// (<c>--node</c>, or the station's peers from a genders file), the key, the timeout and the output.
/// </summary>
internal sealed class ClusterOptions
{
    /// <summary>Where status looks when no node is named: the local halond.</summary>
    public const string LocalNode = "127.0.0.1:9070";

    public ClusterOptions(string timeout)
    {
        Timeout = CommonOptions.Timeout(timeout, "Give up after this long, every node's answer included");
    }

    public Option<string?> Node { get; } = new("--node")
    {
        Description = $"The node to ask (default {LocalNode}). With --cluster or health, a list of nodes to start from, all asked at once: the first to answer with a role names the station.",
        HelpName = "HOST:PORT",
    };

    public Option<string?> Genders { get; } = new("--genders") { Description = "Start from the station's peers in this genders file (nodes with --attr, halon_port honoured).", HelpName = "FILE" };

    public Option<string?> Attr { get; } = new("--attr") { Description = "The genders attribute of the station's peers (default: station).", HelpName = "ATTR" };

    public Option<int> Port { get; } = new("--port") { Description = "The port of names given without one (and of genders nodes without halon_port).", DefaultValueFactory = _ => NodeList.DefaultPort, HelpName = "PORT" };

    public Option<bool> Satellites { get; } = new("--satellites") { Description = "Also ask every satellite the station knows (in parallel, 64 at a time)." };

    public Option<bool> Json { get; } = CommonOptions.Json("Print one JSON object (snake_case fields); on failure too.");

    public Option<string> Timeout { get; }

    /// <summary>The cluster key (two during a roll) or TLS credentials.</summary>
    public SecurityOptions Security { get; } = new();

    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(Node);
        command.Options.Add(Genders);
        command.Options.Add(Attr);
        command.Options.Add(Port);
        command.Options.Add(Satellites);
        command.Options.Add(Json);
        command.Options.Add(Timeout);
        Security.AddTo(command);
    }

    public string NodeText(ParseResult parse) => parse.GetValue(Node) ?? LocalNode;

    /// <summary>The nodes to start a cluster-wide look from, in order.</summary>
    public IReadOnlyList<NodeId> Entries(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var port = CommonOptions.CheckPort(parse.GetValue(Port), "--port");
        if (parse.GetValue(Attr) is not null && parse.GetValue(Genders) is null)
        {
            throw new UsageException("--attr goes with --genders");
        }

        switch (parse.GetValue(Node), parse.GetValue(Genders))
        {
            case ({ }, { }):
                throw new UsageException("start from --node or from --genders, not both");
            case (null, { } file):
                return NodeList.FromGenders(file, parse.GetValue(Attr) ?? "station", port).Nodes;

            default:
                return NodeList.Parse(NodeText(parse), port, "--node");
        }
    }
}
