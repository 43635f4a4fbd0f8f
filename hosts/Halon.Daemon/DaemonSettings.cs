using System.Net;
using Halon.Core;
using Halon.Core.Identity;
using Halon.Daemon.Logging;
using Halon.Daemon.Systemd;
using Halon.Transport.Tcp;
using Microsoft.Extensions.Logging;

namespace Halon.Daemon;

/// <summary>Everything halond was told on its command line, resolved and checked.</summary>
internal sealed record DaemonSettings
{
    /// <summary>The default port of halond.</summary>
    public const int DefaultPort = 9070;

    /// <summary>The default data dir.</summary>
    public const string DefaultDataDir = "/var/lib/halon";

    /// <summary>The length of one protocol tick (<see cref="ProtocolOptions"/> counts in ticks).</summary>
    public static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(10);

    /// <summary>Where to listen.</summary>
    public required IPEndPoint Listen { get; init; }

    /// <summary>The node's id: its advertised address.</summary>
    public required NodeId NodeId { get; init; }

    /// <summary>The data dir.</summary>
    public required string DataDir { get; init; }

    /// <summary>How connections are protected: cluster key(s), mutual TLS, or nothing.</summary>
    public TransportSecurity Security { get; init; } = TransportSecurity.Insecure;

    /// <summary>Warnings about the key or certificate files to log at start (readable by others, a next key equal to the current one).</summary>
    public IReadOnlyList<string> SecurityWarnings { get; init; } = [];

    /// <summary>Whether --insecure was given (only meaningful without a key or TLS).</summary>
    public bool Insecure { get; init; }

    /// <summary>The minimum level logged.</summary>
    public LogLevel LogLevel { get; init; } = LogLevel.Information;

    /// <summary>How log lines are written.</summary>
    public LogFormat LogFormat { get; init; } = LogFormat.Text;

    /// <summary>Where to serve Prometheus metrics, or null (the default) for nowhere.</summary>
    public IPEndPoint? MetricsListen { get; init; }

    /// <summary>The service manager to notify (READY=1, WATCHDOG=1 from the loop); from the environment.</summary>
    public SystemdNotifier Notifier { get; init; } = SystemdNotifier.None;

    /// <summary>
    /// Longest the loop sleeps when the node has no timer due, so that it still notices the clock (and, under a
    /// watchdog, notifies systemd at least this often; see <see cref="IdleWakeInterval"/>).
    /// </summary>
    public static readonly TimeSpan IdleWakeMax = TimeSpan.FromSeconds(1);

    /// <summary>How long the loop may sleep at most: <see cref="IdleWakeMax"/>, or a quarter of the watchdog interval when shorter.</summary>
    public TimeSpan IdleWakeInterval =>
        Notifier.WatchdogInterval is { } watchdog && watchdog / 4 < IdleWakeMax ? watchdog / 4 : IdleWakeMax;

    /// <summary>The protocol's timers.</summary>
    /// <remarks>
    /// The timing values are those a new station gets when halonctl names none (<see cref="StationTiming.Lan"/>); a
    /// station's own timing, chosen at bootstrap and persisted, replaces them.
    /// </remarks>
    public ProtocolOptions Protocol { get; init; } = ProtocolOptions.Default.WithTiming(StationTiming.Lan);

    /// <summary>
    /// How long a peer connection may make no progress before it is dropped and dialled again (<c>--peer-timeout</c>);
    /// the transport derives its other peer-connection bounds from it (<see cref="TransportOptions.WithPeerTimeout"/>).
    /// </summary>
    public TimeSpan PeerTimeout { get; init; } = Halon.Transport.Tcp.TransportOptions.DefaultPeerTimeout;

    /// <summary>Whether heartbeats and votes also travel as authenticated UDP datagrams (<c>--no-datagrams</c> turns it off).</summary>
    public bool Datagrams { get; init; } = true;

    /// <summary>Adjusts the transport's settings; tests shorten timeouts with it.</summary>
    public Func<TransportOptions, TransportOptions> TuneTransport { get; init; } = options => options;

    /// <summary>The transport settings these daemon settings imply.</summary>
    public TransportOptions TransportOptions() =>
        TuneTransport(new TransportOptions { NodeId = NodeId, ListenEndPoint = Listen, Security = Security }.WithPeerTimeout(PeerTimeout) with { Datagrams = Datagrams });
}
