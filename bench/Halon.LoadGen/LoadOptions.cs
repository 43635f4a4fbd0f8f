using System.Globalization;
using Halon.Core.Identity;
using Halon.Transport.Tcp;

namespace Halon.LoadGen;

/// <summary>The command line of <c>halon-loadgen</c>.</summary>
internal sealed record LoadOptions
{
    public const string Usage = """
        usage: halon-loadgen --station HOST:PORT,... --satellites N (--cluster-key-file PATH | --insecure) [options]

        Plays N satellites over real TCP, each on its own loopback address with the real protocol core and transport,
        announces them all to the station, and reports the time from the first announcement to the last
        acknowledgement, acknowledgements per second, latency percentiles, and the station peers' CPU and memory.

          --station LIST            the station's peers, as a satellite is bootstrapped with them
          --satellites N            virtual satellites (default 1000)
          --cluster-key-file PATH   the station's cluster key; --insecure for a station without one
          --address-prefix A.B      satellites listen on A.B.x.y (default 127.100: 127.100.0.1, 127.100.0.2, ...)
          --port P                  the port every satellite listens on (default 19070)
          --processes K             generator processes (default: as many as the open-file limit needs)
          --ramp-ms MS              spread the first announcements over MS milliseconds (default 0: all at once)
          --timeout-s S             give up after S seconds (default 60)
          --peer-timeout-ms MS      the satellites' peer timeout, as halond's --peer-timeout (default 1500: a connect
                                    attempt is given up after a fifth of it, a handshake after all of it, at least 2 s);
                                    with thousands of satellites on a small machine, 10000 keeps the generator from
                                    timing out its own starved dials
          --peer NODE=PID           a station peer's process, for its CPU and memory (repeat for each)
          --kill-master-at F        kill -9 the master once a fraction F of the satellites is acknowledged (needs --peer),
                                    then watch the new coordinator's table with halonctl's status request
          --json                    the report as JSON on stdout
        Exit codes: 0 every satellite acknowledged (and none lost after a kill), 1 otherwise, 2 usage error.
        """;

    public required PeerSet Station { get; init; }

    public required TransportSecurity Security { get; init; }

    public string? ClusterKeyFile { get; init; }

    public int Satellites { get; init; } = 1000;

    public string AddressPrefix { get; init; } = "127.100";

    public int Port { get; init; } = 19070;

    public int? Processes { get; init; }

    public int RampMs { get; init; }

    public int TimeoutSeconds { get; init; } = 60;

    public int PeerTimeoutMs { get; init; } = 1500;

    public IReadOnlyList<(NodeId Node, int Pid)> Peers { get; init; } = [];

    public double? KillMasterAt { get; init; }

    public bool Json { get; init; }

    /// <summary>Child processes only: the slice of satellites this process plays.</summary>
    public (int First, int Count)? Worker { get; init; }

    /// <summary>The arguments that give a child process these options (without the slice).</summary>
    public List<string> ChildArguments()
    {
        var arguments = new List<string>
        {
            "--station", string.Join(',', Station.Members.Select(m => m.Value)),
            "--satellites", Satellites.ToString(CultureInfo.InvariantCulture),
            "--address-prefix", AddressPrefix,
            "--port", Port.ToString(CultureInfo.InvariantCulture),
            "--ramp-ms", RampMs.ToString(CultureInfo.InvariantCulture),
            "--timeout-s", TimeoutSeconds.ToString(CultureInfo.InvariantCulture),
            "--peer-timeout-ms", PeerTimeoutMs.ToString(CultureInfo.InvariantCulture),
        };
        arguments.AddRange(ClusterKeyFile is null ? ["--insecure"] : ["--cluster-key-file", ClusterKeyFile]);
        return arguments;
    }

    /// <summary>Parses the command line; throws <see cref="FormatException"/> with the problem.</summary>
    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        string? station = null;
        string? keyFile = null;
        var insecure = false;
        var satellites = 1000;
        var prefix = "127.100";
        var port = 19070;
        int? processes = null;
        var ramp = 0;
        var timeout = 60;
        var peerTimeout = 1500;
        var peers = new List<(NodeId, int)>();
        double? kill = null;
        var json = false;
        (int, int)? worker = null;
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new FormatException($"{args[i]} needs a value");
            int Number(int min, int max)
            {
                var name = args[i];
                var text = Value();
                return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
                    ? n
                    : throw new FormatException($"{name} must be a whole number in {min}..{max}, not '{text}'");
            }

            switch (args[i])
            {
                case "--station": station = Value(); break;
                case "--cluster-key-file": keyFile = Value(); break;
                case "--insecure": insecure = true; break;
                case "--satellites": satellites = Number(1, 250 * 256); break;
                case "--address-prefix": prefix = Value(); break;
                case "--port": port = Number(1, 65535); break;
                case "--processes": processes = Number(1, 64); break;
                case "--ramp-ms": ramp = Number(0, 600_000); break;
                case "--timeout-s": timeout = Number(1, 3600); break;
                case "--peer-timeout-ms": peerTimeout = Number(200, 60_000); break;
                case "--json": json = true; break;
                case "--peer":
                {
                    var text = Value();
                    var equals = text.LastIndexOf('=');
                    if (equals < 0 || !NodeId.TryParse(text[..equals], out var node, out var error) || !int.TryParse(text[(equals + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                    {
                        throw new FormatException($"--peer takes NODE=PID (e.g. 127.0.0.1:9070=12345), not '{text}'");
                    }

                    peers.Add((node, pid));
                    break;
                }

                case "--kill-master-at":
                {
                    var text = Value();
                    kill = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && f > 0 && f < 1
                        ? f
                        : throw new FormatException($"--kill-master-at takes a fraction between 0 and 1 (e.g. 0.5), not '{text}'");
                    break;
                }

                case "--worker":
                    var first = Number(0, int.MaxValue);
                    var count = Number(1, int.MaxValue);
                    worker = (first, count);
                    break;
                default:
                    throw new FormatException($"unknown option {args[i]}");
            }
        }

        if (station is null)
        {
            throw new FormatException("--station is required: the station's peers, e.g. --station 127.0.0.1:9070,127.0.0.1:9071,127.0.0.1:9072");
        }

        PeerSet peerSet;
        try
        {
            peerSet = PeerSet.Parse(station);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new FormatException($"--station: {e.Message}", e);
        }

        if (keyFile is null == !insecure)
        {
            throw new FormatException("give the station's key with --cluster-key-file PATH, or --insecure for a station without one (not both)");
        }

        if (kill is not null && peers.Count == 0)
        {
            throw new FormatException("--kill-master-at needs the peers' processes: --peer NODE=PID for each station peer");
        }

        if (!System.Net.IPAddress.TryParse(prefix + ".0.1", out var address) || !System.Net.IPAddress.IsLoopback(address))
        {
            throw new FormatException($"--address-prefix must be two octets of a loopback address such as 127.100, not '{prefix}'");
        }

        TransportSecurity security;
        try
        {
            security = keyFile is null ? TransportSecurity.Insecure : TransportSecurity.WithKey(ClusterKey.Load(keyFile));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ClusterKeyException)
        {
            throw new FormatException($"--cluster-key-file: {e.Message}", e);
        }

        return new LoadOptions
        {
            Station = peerSet,
            Security = security,
            ClusterKeyFile = keyFile,
            Satellites = satellites,
            AddressPrefix = prefix,
            Port = port,
            Processes = processes,
            RampMs = ramp,
            TimeoutSeconds = timeout,
            PeerTimeoutMs = peerTimeout,
            Peers = peers,
            KillMasterAt = kill,
            Json = json,
            Worker = worker,
        };
    }
}
