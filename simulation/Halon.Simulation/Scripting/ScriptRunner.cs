using System.Globalization;
using Halon.Core.Identity;

namespace Halon.Simulation.Scripting;

/// <summary>
/// Runs an interaction script in the style of etcd-io/raft's testdata: one command per line, and every effect, fault
/// and status printed as it happens, so the whole output can be kept as a golden file and reviewed as a diff.
/// </summary>
/// <remarks>
/// Commands: <c>cluster peers=N satellites=M [seed=S]</c>; <c>bootstrap-station NAMES|all [peers=A,B,C]</c>;
/// <c>bootstrap-satellite NAMES|all</c>; <c>run TICKS</c>; <c>run-until coordinator|acknowledged|master-is NAME [max=TICKS]</c>;
/// <c>crash NAME|master</c>; <c>restart NAME</c>; <c>crash-coordinator</c>; <c>partition A B | C D</c>;
/// <c>isolate NAME|master</c>; <c>heal</c>; <c>network loss=P duplicate=P delay-max=TICKS</c>; <c>status</c>;
/// <c>expect coordinator|no-coordinator|acknowledged|no-violations</c>. Lines starting with <c>#</c> are comments.
/// </remarks>
public sealed class ScriptRunner
{
    private readonly List<string> _output = new();
    private Harness.Simulation? _simulation;

    /// <summary>Runs <paramref name="script"/> and returns every output line; a failed expectation or a bad line throws.</summary>
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
            catch (ArgumentException exception)
            {
                throw new InvalidOperationException($"script line {lineNumber}: {line}: {exception.Message}", exception);
            }
        }

        if (runner._simulation is { } simulation)
        {
            foreach (var violation in simulation.Monitor.Violations)
            {
                runner._output.Add("VIOLATION " + violation);
            }
        }

        return runner._output;
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
                _simulation = Harness.Simulation.ForScript(Int(named, "peers", 3), Int(named, "satellites", 0), (ulong)Int(named, "seed", 1), _output.Add);
                break;
            case "bootstrap-station":
                var peers = named.TryGetValue("peers", out var list) ? PeerSet.Create(list.Split(',').Select(n => NodeId.Parse(n + ":9070"))) : Simulation.AllPeers;
                foreach (var name in Expand(arguments, peers: true))
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
                Simulation.RunTicks(double.Parse(arguments[0], CultureInfo.InvariantCulture));
                break;
            case "run-until":
                RunUntil(arguments, named);
                break;
            case "crash":
                Simulation.CrashNode(arguments[0]);
                break;
            case "restart":
                Simulation.RestartNode(arguments[0]);
                break;
            case "crash-coordinator":
                Simulation.CrashCoordinator();
                break;
            case "partition":
                var groups = string.Join(' ', words.Skip(1)).Split('|').Select(g => (IReadOnlyList<string>)g.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
                Simulation.Partition(groups);
                break;
            case "isolate":
                Simulation.Isolate(arguments[0] == "master" ? Simulation.MasterName ?? throw new ArgumentException("there is no master to isolate") : arguments[0]);
                break;
            case "heal":
                Simulation.HealNetwork();
                break;
            case "network":
                Simulation.SetNetwork(Double(named, "loss", 0), Double(named, "duplicate", 0), Double(named, "delay-max", 0.5));
                break;
            case "status":
                foreach (var status in Simulation.StatusLines())
                {
                    _output.Add("  " + status);
                }

                break;
            case "expect":
                Expect(arguments[0]);
                break;
            default:
                throw new ArgumentException($"unknown command '{words[0]}'");
        }
    }

    private void RunUntil(string[] arguments, Dictionary<string, string> named)
    {
        var max = Double(named, "max", 1000);
        Func<bool> condition = arguments[0] switch
        {
            "coordinator" => () => Simulation.CoordinatorRunning,
            "acknowledged" => () => Simulation.AllSatellitesAcknowledged,
            "master-is" => () => Simulation.MasterName == arguments[1],
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

    private IEnumerable<string> Expand(string[] names, bool peers) =>
        names.Length == 1 && names[0] == "all" ? Simulation.Names(peers) : names;

    private static int Int(Dictionary<string, string> named, string key, int fallback) =>
        named.TryGetValue(key, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private static double Double(Dictionary<string, string> named, string key, double fallback) =>
        named.TryGetValue(key, out var text) ? double.Parse(text, CultureInfo.InvariantCulture) : fallback;
}
