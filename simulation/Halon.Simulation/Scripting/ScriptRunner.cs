using System.Globalization;
using Halon.Core.Identity;

namespace Halon.Simulation.Scripting;

/// <summary>
/// Runs an interaction script in the style of etcd-io/raft's testdata: one command per line, and every effect, fault
/// and status printed as it happens, so the whole output can be kept as a golden file and reviewed as a diff. A bad
/// line, a failed <c>expect</c> or <c>assert</c>, or any invariant violation fails the script with
/// <see cref="ScriptFailedException"/>, which carries the whole output up to that point.
/// </summary>
/// <remarks>
/// The commands are listed in docs/testing.md and in <see cref="Commands"/>. Lines starting with <c>#</c> are comments.
/// </remarks>
public sealed partial class ScriptRunner
{
    /// <summary>Every command with its syntax, for docs and for the error on an unknown command.</summary>
    public static IReadOnlyList<string> Commands { get; } =
    [
        "cluster peers=N satellites=M [seed=S] [entries-per-append=N] [spares=K]",
        "bootstrap-station NAMES|all [peers=A,B,C]",
        "bootstrap-satellite NAMES|all",
        "run TICKS",
        "run-quiet TICKS",
        "run-until coordinator [epoch-above=N] [not=NAME] [max=TICKS]",
        "run-until acknowledged|master [not=NAME] [max=TICKS]",
        "run-until master-is NAME [max=TICKS]",
        "run-until state NAME STATE [max=TICKS]",
        "run-until last-index NAME N [max=TICKS]",
        "run-until voters A,B,C [max=TICKS]",
        "run-until left NAME [max=TICKS]",
        "crash NAME|master",
        "restart NAME",
        "reinstall NAME",
        "crash-coordinator",
        "pause NAME|master ticks=T",
        "drift NAME period=P",
        "partition A B | C D",
        "isolate NAME|master",
        "cut FROM TO",
        "uncut FROM TO",
        "heal",
        "network loss=P duplicate=P delay-max=TICKS",
        "drop TYPE|* [from=A] [to=B] [count=N]",
        "delay TYPE|* ticks=T [from=A] [to=B] [count=N]",
        "clear-rules",
        "campaign NAME",
        "join NAME [contacts=A,B]",
        "add NAME [at=NAME]",
        "remove NAME [at=NAME]",
        "replace OLD NEW [at=NAME]",
        "inject TYPE from=A to=B [delay=T] [FIELD=VALUE ...]",
        "replay TYPE from=A to=B [back=K] [delay=T]",
        "status",
        "assert NAME FIELD=VALUE ... | assert NAME down",
        "expect coordinator|no-coordinator|acknowledged|no-violations",
    ];

    private readonly List<string> _output = new();
    private Harness.Simulation? _simulation;

    /// <summary>
    /// Runs <paramref name="script"/> and returns every output line. Throws <see cref="ScriptFailedException"/> (with
    /// the output so far) on a bad line, a failed expectation or assertion, or any invariant violation.
    /// </summary>
    public static IReadOnlyList<string> Run(string script)
    {
        ArgumentNullException.ThrowIfNull(script);
        var runner = new ScriptRunner();
        var lineNumber = 0;
        foreach (var raw in script.Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            runner._output.Add("> " + line);
            try
            {
                runner.Execute(line);
            }
            catch (Exception exception) when (exception is ArgumentException or FormatException or IndexOutOfRangeException or KeyNotFoundException or OverflowException)
            {
                runner.AddViolations();
                throw new ScriptFailedException($"script line {lineNumber}: {line}: {exception.Message}", runner._output, exception);
            }

            if (runner._simulation is { } simulation && simulation.Monitor.Violations.Count > 0)
            {
                runner.AddViolations();
                throw new ScriptFailedException($"script line {lineNumber}: {line}: an invariant was violated: {simulation.Monitor.Violations[0]}", runner._output);
            }
        }

        return runner._output;
    }

    private void AddViolations()
    {
        foreach (var violation in _simulation?.Monitor.Violations ?? [])
        {
            _output.Add("VIOLATION " + violation);
        }
    }

    private Harness.Simulation Simulation => _simulation ?? throw new ArgumentException("no cluster yet: start with 'cluster peers=N satellites=M'");

    private void Execute(string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var arguments = words.Skip(1).Where(w => !w.Contains('=', StringComparison.Ordinal)).ToArray();
        var named = words.Skip(1).Where(w => w.Contains('=', StringComparison.Ordinal)).ToDictionary(w => w[..w.IndexOf('=')], w => w[(w.IndexOf('=') + 1)..]);
        switch (words[0])
        {
            case "cluster":
                var protocol = Core.ProtocolOptions.Default with { EntriesPerAppendMax = Int(named, "entries-per-append", Core.Limits.AppendEntriesEntriesMax) };
                _simulation = Harness.Simulation.ForScript(Int(named, "peers", 3), Int(named, "satellites", 0), (ulong)Int(named, "seed", 1), _output.Add, protocol, Int(named, "spares", 0));
                break;
            case "bootstrap-station":
                var peers = named.TryGetValue("peers", out var list) ? PeerSet.Create(list.Split(',').Select(n => NodeId.Parse(n + ":9070"))) : Simulation.AllPeers;
                foreach (var name in arguments.Length == 1 && arguments[0] == "all" ? Simulation.InitialPeerNames : arguments)
                {
                    _output.Add($"  {name}: {Simulation.BootstrapStation(name, peers)}");
                }

                break;
            case "bootstrap-satellite":
                foreach (var name in Expand(arguments, peers: false))
                {
                    _output.Add($"  {name}: {Simulation.BootstrapSatellite(name)}");
                }

                break;
            case "run":
                Simulation.RunTicks(Double(arguments[0]));
                break;
            case "run-quiet":
                RunQuiet(Double(arguments[0]));
                break;
            case "run-until":
                RunUntil(arguments, named);
                break;
            case "crash":
                Simulation.CrashNode(Resolve(arguments[0]));
                break;
            case "restart":
                Simulation.RestartNode(arguments[0]);
                break;
            case "reinstall":
                Simulation.Reinstall(arguments[0]);
                break;
            case "crash-coordinator":
                Simulation.CrashCoordinator();
                break;
            case "pause":
                Simulation.Pause(Resolve(arguments[0]), Double(Required(named, "ticks")));
                break;
            case "drift":
                Simulation.SetTickPeriod(arguments[0], Double(Required(named, "period")));
                break;
            case "partition":
                var groups = string.Join(' ', words.Skip(1)).Split('|').Select(g => (IReadOnlyList<string>)g.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
                Simulation.Partition(groups);
                break;
            case "isolate":
                Simulation.Isolate(Resolve(arguments[0]));
                break;
            case "cut":
            case "uncut":
                Simulation.Cut(arguments[0], arguments[1], words[0] == "cut");
                break;
            case "heal":
                Simulation.HealNetwork();
                break;
            case "network":
                Simulation.SetNetwork(Double(named, "loss", 0), Double(named, "duplicate", 0), Double(named, "delay-max", 0.5));
                break;
            case "drop":
            case "delay":
                Simulation.AddRule(new Harness.MessageRule(
                    arguments[0],
                    named.GetValueOrDefault("from"),
                    named.GetValueOrDefault("to"),
                    words[0] == "delay" ? Double(Required(named, "ticks")) : null,
                    named.TryGetValue("count", out var count) ? int.Parse(count, CultureInfo.InvariantCulture) : int.MaxValue));
                break;
            case "clear-rules":
                Simulation.ClearRules();
                break;
            case "join":
                _output.Add($"  {arguments[0]}: {Simulation.JoinStation(arguments[0], named.TryGetValue("contacts", out var contacts) ? Peers(contacts) : null)}");
                break;
            case "add":
            case "remove":
            case "replace":
                var at = named.TryGetValue("at", out var asked) ? asked : Simulation.MasterName ?? throw new ArgumentException("there is no master now");
                _output.Add($"  {at}: {Simulation.ChangeStation(Change(words[0], arguments), at)}");
                break;
            case "campaign":
                _output.Add($"  {arguments[0]}: {Simulation.Campaign(arguments[0])}");
                break;
            case "inject":
                Simulation.Inject(MessageBuilder.Build(Simulation, arguments[0], named), Double(named, "delay", 0.001));
                break;
            case "replay":
                Simulation.Replay(arguments[0], Required(named, "from"), Required(named, "to"), Int(named, "back", 0), Double(named, "delay", 0.001));
                break;
            case "status":
                foreach (var status in Simulation.StatusLines())
                {
                    _output.Add("  " + status);
                }

                break;
            case "assert":
                Assert(arguments, named);
                break;
            case "expect":
                Expect(arguments[0]);
                break;
            default:
                throw new ArgumentException($"unknown command '{words[0]}'; the commands are:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", Commands)}");
        }
    }

    private void RunQuiet(double ticks)
    {
        var elections = Simulation.Elections;
        var terms = Simulation.Names(peers: true).ToDictionary(n => n, n => Simulation.NodeNamed(n)?.Term);
        Simulation.RunTicks(ticks);
        var changed = terms.Where(t => t.Value is not null && Simulation.NodeNamed(t.Key) is { } node && node.Term != t.Value).Select(t => $"{t.Key} term {t.Value} -> {Simulation.NodeNamed(t.Key)!.Term}").ToArray();
        if (Simulation.Elections != elections || changed.Length > 0)
        {
            _output.Add($"  NOT QUIET: {Simulation.Elections - elections} elections, {(changed.Length == 0 ? "no term changed" : string.Join(", ", changed))}");
            throw new ArgumentException($"an election or a term change happened within {ticks} ticks");
        }

        _output.Add($"  quiet for {ticks} ticks: no election, no term change");
    }

    private void RunUntil(string[] arguments, Dictionary<string, string> named)
    {
        var max = Double(named, "max", 1000);
        var not = named.GetValueOrDefault("not");
        Func<bool> condition = arguments[0] switch
        {
            "coordinator" => () => Simulation.NewCoordinatorRunning(Int(named, "epoch-above", 0), not),
            "acknowledged" => () => Simulation.AllSatellitesAcknowledged,
            "master" => () => Simulation.MasterName is { } master && master != not,
            "master-is" => () => Simulation.MasterName == arguments[1],
            "state" => () => Simulation.NodeNamed(arguments[1]) is { } node && StateName(node.State) == arguments[2],
            "last-index" => () => Simulation.NodeNamed(arguments[1]) is { } node && node.LastLogIndex >= long.Parse(arguments[2], CultureInfo.InvariantCulture),
            "voters" => () => Simulation.StationSettledWith(arguments[1].Split(',')),
            "left" => () => Simulation.NodeNamed(arguments[1]) is { LeftTheStation: true },
            _ => throw new ArgumentException($"unknown condition '{arguments[0]}'"),
        };
        var held = Simulation.RunUntilCondition(condition, max);
        _output.Add(held ? $"  reached at tick {Simulation.NowTicks:0.000}" : $"  NOT reached within {max} ticks");
    }

    private void Expect(string what)
    {
        var held = what switch
        {
            "coordinator" => Simulation.CoordinatorRunning,
            "no-coordinator" => !Simulation.CoordinatorRunning,
            "acknowledged" => Simulation.AllSatellitesAcknowledged,
            "no-violations" => Simulation.Monitor.Violations.Count == 0,
            _ => throw new ArgumentException($"unknown expectation '{what}'"),
        };
        _output.Add(held ? $"  ok: {what}" : $"  EXPECTATION FAILED: {what}");
        if (!held)
        {
            throw new ArgumentException($"expectation '{what}' does not hold");
        }
    }

    private Core.Protocol.MembershipChange Change(string command, string[] arguments)
    {
        var node = Simulation.IdOf(Resolve(arguments[0]));
        return command switch
        {
            "add" => new Core.Protocol.AddPeer(node),
            "remove" => new Core.Protocol.RemovePeer(node),
            _ => new Core.Protocol.ReplacePeer(node, Simulation.IdOf(Resolve(arguments.Length > 1 ? arguments[1] : throw new ArgumentException("replace needs OLD and NEW")))),
        };
    }

    private PeerSet Peers(string list) => PeerSet.Create(list.Split(',').Select(Simulation.IdOf));

    private string Resolve(string name) =>
        name == "master" ? Simulation.MasterName ?? throw new ArgumentException("there is no master now") : name;

    private IEnumerable<string> Expand(string[] names, bool peers) =>
        names.Length == 1 && names[0] == "all" ? Simulation.Names(peers) : names;

    private static string Required(Dictionary<string, string> named, string key) =>
        named.TryGetValue(key, out var value) ? value : throw new ArgumentException($"'{key}=' is required");

    private static int Int(Dictionary<string, string> named, string key, int fallback) =>
        named.TryGetValue(key, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private static double Double(Dictionary<string, string> named, string key, double fallback) =>
        named.TryGetValue(key, out var text) ? Double(text) : fallback;

    private static double Double(string text) => double.Parse(text, CultureInfo.InvariantCulture);
}
