using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Halon.Core;
using Halon.Core.Identity;
using Halon.Daemon.Logging;
using Halon.Transport.Tcp;
using Microsoft.Extensions.Logging;

namespace Halon.Daemon;

/// <summary>
/// halond's command line (the v1 contract):
/// <c>halond [--listen HOST:PORT] [--advertise HOST:PORT] [--data-dir DIR] [--cluster-key-file FILE | --insecure] [--log-level LEVEL]</c>,
/// extended with <c>[--log-format text|json] [--metrics-listen HOST:PORT]</c>, <c>--cluster-key-file-next FILE</c> (a key
/// roll) and <c>--tls-cert FILE --tls-key FILE --tls-ca FILE</c> (mutual TLS, instead of a cluster key).
/// Every usage error exits with code 2 and a one-line message.
/// </summary>
internal static class DaemonCommandLine
{
    /// <summary>The environment variable read when --cluster-key-file is absent.</summary>
    public const string ClusterKeyFileVariable = SecurityFlags.ClusterKeyFileVariable;

    /// <summary>Exit code of a usage error.</summary>
    public const int UsageExitCode = 2;

    private static readonly Option<string> s_listen = new("--listen") { Description = "Address to listen on, HOST:PORT.", DefaultValueFactory = _ => "0.0.0.0:" + DaemonSettings.DefaultPort };
    private static readonly Option<string?> s_advertise = new("--advertise") { Description = "Address other nodes reach this one at, HOST:PORT; it is the node's id. Default: --listen, or <hostname>:<port> when --listen is a wildcard." };
    private static readonly Option<string> s_dataDir = new("--data-dir") { Description = "Directory of the node's durable state.", DefaultValueFactory = _ => DaemonSettings.DefaultDataDir };
    private static readonly Option<string?> s_clusterKeyFile = new("--cluster-key-file") { Description = $"File holding the shared cluster key (default: ${ClusterKeyFileVariable})." };
    private static readonly Option<string?> s_clusterKeyFileNext = new("--cluster-key-file-next") { Description = $"During a key roll: the new cluster key, accepted and preferred alongside --cluster-key-file (default: ${SecurityFlags.ClusterKeyFileNextVariable})." };
    private static readonly Option<string?> s_tlsCert = new("--tls-cert") { Description = $"Use mutual TLS instead of a cluster key: this node's certificate, PEM (default: ${SecurityFlags.TlsCertificateVariable})." };
    private static readonly Option<string?> s_tlsKey = new("--tls-key") { Description = $"The private key of --tls-cert, PEM (default: ${SecurityFlags.TlsKeyVariable})." };
    private static readonly Option<string?> s_tlsCa = new("--tls-ca") { Description = $"The CA certificates to trust, PEM; both CAs during a CA roll (default: ${SecurityFlags.TlsAuthoritiesVariable})." };
    private static readonly Option<bool> s_insecure = new("--insecure") { Description = "Run without a cluster key or TLS on a non-loopback address: no authentication, no encryption (logs a warning)." };
    private static readonly Option<string> s_logLevel = new("--log-level") { Description = "Trace, Debug, Information, Warning, Error, Critical or None.", DefaultValueFactory = _ => "Information" };
    private static readonly Option<string> s_logFormat = new("--log-format") { Description = "text (one readable line per event) or json (one object per line, every value a field).", DefaultValueFactory = _ => "text" };
    private static readonly Option<string?> s_peerTimeout = new("--peer-timeout") { Description = "How long a peer connection may make no progress before it is dropped and dialled again, e.g. 1500ms or 5s (default 1500ms; raise it for peers far apart)." };
    private static readonly Option<bool> s_noDatagrams = new("--no-datagrams") { Description = "Send heartbeats and votes over TCP only, not also as authenticated UDP datagrams on the --listen port." };
    private static readonly Option<string?> s_metricsListen = new("--metrics-listen") { Description = "Serve Prometheus metrics at http://HOST:PORT/metrics (off unless given)." };

    private static readonly Option<int?> s_snapshotThreshold = new("--snapshot-threshold") { Description = $"Snapshot the applied state, and drop the log entries it covers, every N applied entries (default {ProtocolOptions.Default.SnapshotThresholdEntries}; 1..{Limits.SnapshotThresholdEntriesMax})." };

    /// <summary>The root command, with every option.</summary>
    public static RootCommand Build() =>
        new("halond: starts a Halon node and does nothing else; halonctl tells it what to be.")
        {
            s_listen, s_advertise, s_dataDir, s_clusterKeyFile, s_clusterKeyFileNext, s_tlsCert, s_tlsKey, s_tlsCa, s_insecure, s_logLevel, s_logFormat, s_metricsListen, s_peerTimeout, s_noDatagrams, s_snapshotThreshold,
        };

    /// <summary>
    /// Parses <paramref name="args"/>. Returns the settings, or null with <paramref name="exitCode"/> set: 0 after
    /// --help, 2 after a usage error (already reported on <paramref name="error"/>).
    /// </summary>
    public static DaemonSettings? Parse(string[] args, Func<string, string?> environment, TextWriter output, TextWriter error, out int exitCode)
    {
        var root = Build();
        var result = root.Parse(args);
        exitCode = 0;
        if (result.Errors.Count > 0)
        {
            foreach (var parseError in result.Errors)
            {
                error.WriteLine($"halond: {parseError.Message}");
            }

            error.WriteLine("Try 'halond --help'.");
            exitCode = UsageExitCode;
            return null;
        }

        if (result.Action is not null)
        {
            exitCode = result.Invoke(new InvocationConfiguration { Output = output, Error = error });
            return null;
        }

        var settings = Resolve(
            result.GetValue(s_listen)!,
            result.GetValue(s_advertise),
            result.GetValue(s_dataDir)!,
            new SecurityFlags(
                result.GetValue(s_clusterKeyFile),
                result.GetValue(s_clusterKeyFileNext),
                result.GetValue(s_tlsCert),
                result.GetValue(s_tlsKey),
                result.GetValue(s_tlsCa),
                result.GetValue(s_insecure)),
            result.GetValue(s_logLevel)!,
            environment,
            out var problem);
        settings = settings is null ? null : ResolveOperations(settings, result.GetValue(s_logFormat)!, result.GetValue(s_metricsListen), out problem);
        settings = settings is null ? null : ResolveNetwork(settings, result.GetValue(s_peerTimeout), result.GetValue(s_noDatagrams), out problem);
        settings = settings is null ? null : ResolveSnapshots(settings, result.GetValue(s_snapshotThreshold), out problem);
        if (settings is null)
        {
            error.WriteLine($"halond: {problem}");
            exitCode = UsageExitCode;
        }

        return settings;
    }

    /// <summary>Checks and adds the logging and metrics options; null with <paramref name="problem"/> on a usage error.</summary>
    internal static DaemonSettings? ResolveOperations(DaemonSettings settings, string logFormatText, string? metricsListen, out string problem)
    {
        problem = string.Empty;
        if (!Enum.TryParse<LogFormat>(logFormatText, ignoreCase: true, out var logFormat) || !Enum.IsDefined(logFormat) || int.TryParse(logFormatText, out _))
        {
            problem = $"--log-format '{logFormatText}' is not one of text, json";
            return null;
        }

        IPEndPoint? metrics = null;
        if (metricsListen is not null)
        {
            if (!NodeId.TryParse(metricsListen, out var metricsId, out var metricsError))
            {
                problem = $"--metrics-listen: {metricsError}";
                return null;
            }

            if (!TryResolveAddress(metricsId.Host, out var metricsAddress, out problem))
            {
                problem = $"--metrics-listen: {problem}";
                return null;
            }

            metrics = new IPEndPoint(metricsAddress, metricsId.Port);
            if (metrics.Port == settings.Listen.Port && (metrics.Address.Equals(settings.Listen.Address) || IsWildcard(metrics.Address) || IsWildcard(settings.Listen.Address)))
            {
                problem = $"--metrics-listen {metricsListen} is the port halond listens on for peers; give another port";
                return null;
            }
        }

        return settings with { LogFormat = logFormat, MetricsListen = metrics };
    }

    /// <summary>Checks and adds the peer-connection options; null with <paramref name="problem"/> on a usage error.</summary>
    internal static DaemonSettings? ResolveNetwork(DaemonSettings settings, string? peerTimeoutText, bool noDatagrams, out string problem)
    {
        problem = string.Empty;
        var peerTimeout = settings.PeerTimeout;
        if (peerTimeoutText is not null)
        {
            if (!TryParseDuration(peerTimeoutText, out peerTimeout) || peerTimeout < PeerTimeoutMin || peerTimeout > PeerTimeoutMax)
            {
                problem = $"--peer-timeout '{peerTimeoutText}' is not a duration from 200ms to 60s (for example 1500ms or 5s)";
                return null;
            }
        }

        return settings with { PeerTimeout = peerTimeout, Datagrams = !noDatagrams };
    }

    /// <summary>Checks and adds --snapshot-threshold; null with <paramref name="problem"/> on a usage error.</summary>
    internal static DaemonSettings? ResolveSnapshots(DaemonSettings settings, int? threshold, out string problem)
    {
        problem = string.Empty;
        if (threshold is not { } entries)
        {
            return settings;
        }

        if (entries is < 1 or > Limits.SnapshotThresholdEntriesMax)
        {
            problem = $"--snapshot-threshold {entries} is out of range; give a number of entries from 1 to {Limits.SnapshotThresholdEntriesMax} (default {ProtocolOptions.Default.SnapshotThresholdEntries})";
            return null;
        }

        return settings with { Protocol = settings.Protocol with { SnapshotThresholdEntries = entries } };
    }

    /// <summary>The range --peer-timeout accepts.</summary>
    internal static readonly TimeSpan PeerTimeoutMin = TimeSpan.FromMilliseconds(200);

    internal static readonly TimeSpan PeerTimeoutMax = TimeSpan.FromSeconds(60);

    /// <summary>A duration as <c>250ms</c>, <c>1.5s</c> or <c>1m</c>.</summary>
    internal static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var (number, scale) = text.EndsWith("ms", StringComparison.Ordinal) ? (text[..^2], 1.0)
            : text.EndsWith('s') ? (text[..^1], 1000.0)
            : text.EndsWith('m') ? (text[..^1], 60_000.0)
            : (string.Empty, 0.0);
        if (scale == 0 || !double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            return false;
        }

        duration = TimeSpan.FromMilliseconds(Math.Round(value * scale));
        return true;
    }

    private static bool IsWildcard(IPAddress address) => address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);

    /// <summary>Checks and resolves the option values; null with <paramref name="problem"/> on a usage error.</summary>
    internal static DaemonSettings? Resolve(string listen, string? advertise, string dataDir, SecurityFlags securityFlags, string logLevelText, Func<string, string?> environment, out string problem)
    {
        problem = string.Empty;
        if (!Enum.TryParse<LogLevel>(logLevelText, ignoreCase: true, out var logLevel) || !Enum.IsDefined(logLevel) || int.TryParse(logLevelText, out _))
        {
            problem = $"--log-level '{logLevelText}' is not one of Trace, Debug, Information, Warning, Error, Critical, None";
            return null;
        }

        if (!NodeId.TryParse(listen, out var listenId, out var listenError))
        {
            problem = $"--listen: {listenError}";
            return null;
        }

        if (!TryResolveAddress(listenId.Host, out var address, out problem))
        {
            problem = $"--listen: {problem}";
            return null;
        }

        var wildcard = address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any);
        var advertiseText = advertise ?? (wildcard ? $"{Dns.GetHostName()}:{listenId.Port.ToString(CultureInfo.InvariantCulture)}" : listenId.Value);
        if (!NodeId.TryParse(advertiseText, out var nodeId, out var advertiseError))
        {
            problem = advertise is null
                ? $"the default advertised address '{advertiseText}' is not usable ({advertiseError}); give --advertise HOST:PORT"
                : $"--advertise: {advertiseError}";
            return null;
        }

        if (string.IsNullOrWhiteSpace(dataDir))
        {
            problem = "--data-dir is empty";
            return null;
        }

        TransportSecurity security;
        IReadOnlyList<string> warnings;
        try
        {
            // A node both listens and dials: its certificate must be good for both.
            (security, warnings) = securityFlags.Load(environment, [TlsUsage.Server, TlsUsage.Client]);
        }
        catch (SecurityFlagsException e)
        {
            problem = e.Message;
            return null;
        }

        if (security.Tls is { } tls && !tls.NamesNode(nodeId))
        {
            problem = $"the certificate {tls.Describe()} does not name this node's id {nodeId}; give this node's certificate, or the --advertise address it names";
            return null;
        }

        if (security.Mode == SecurityMode.Insecure && !securityFlags.Insecure && !IPAddress.IsLoopback(address))
        {
            problem = $"refusing to listen on {listenId} (not a loopback address) without a cluster key: give --cluster-key-file FILE or set {ClusterKeyFileVariable} (create a key with: halonctl key generate FILE), or the --tls-cert, --tls-key and --tls-ca of this node, or give --insecure to run unauthenticated";
            return null;
        }

        return new DaemonSettings
        {
            Listen = new IPEndPoint(address, listenId.Port),
            NodeId = nodeId,
            DataDir = dataDir,
            Security = security,
            SecurityWarnings = warnings,
            Insecure = securityFlags.Insecure,
            LogLevel = logLevel,
        };
    }

    private static bool TryResolveAddress(string host, out IPAddress address, out string problem)
    {
        problem = string.Empty;
        var bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        if (IPAddress.TryParse(bare, out address!))
        {
            return true;
        }

        if (string.Equals(bare, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            address = IPAddress.Loopback;
            return true;
        }

        try
        {
            var addresses = Dns.GetHostAddresses(bare);
            address = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()!;
            if (address is not null)
            {
                return true;
            }
        }
        catch (SocketException)
        {
        }

        address = IPAddress.None;
        problem = $"cannot resolve host '{bare}' to an address";
        return false;
    }
}
