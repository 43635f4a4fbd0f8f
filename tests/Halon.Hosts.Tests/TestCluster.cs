using System.Diagnostics;
using System.Globalization;
using System.Text;
using Halon.Core.Identity;
using Halon.Core.Status;
using Halon.Ctl.Demo;
using Halon.Transport.Tcp;

namespace Halon.Hosts.Tests;

/// <summary>
/// Real halond processes on 127.0.0.1, each on a free port with a data dir under one temp directory. Dispose kills
/// every process (SIGKILL) and deletes the directory. Waits poll status over the wire with generous bounds; a wait
/// that runs out fails with the last status seen and the tail of every node's log.
/// </summary>
internal sealed class TestCluster : IDisposable
{
    /// <summary>Generous bound for anything that takes well under a second on loopback.</summary>
    public static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(20);
    private readonly List<LocalDaemon> _nodes = [];

    public TestCluster(byte[]? clusterKey = null)
    {
        Root = Directory.CreateTempSubdirectory("halon-hosts-tests-").FullName;
        if (clusterKey is not null)
        {
            KeyFile = Path.Combine(Root, "cluster.key");
            File.WriteAllBytes(KeyFile, clusterKey);

            // The key as halond reads the file: random bytes that happen to end in a newline lose it.
            ClusterKey = Halon.Transport.Tcp.ClusterKey.Load(KeyFile);
        }
    }

    public string Root { get; }

    /// <summary>The key every node of this cluster is started with, or null.</summary>
    public byte[]? ClusterKey { get; }

    /// <summary>The file holding <see cref="ClusterKey"/>, or null.</summary>
    public string? KeyFile { get; }

    /// <summary>How the tests' own clients reach the nodes: the cluster key, or nothing.</summary>
    public TransportSecurity Security => TransportSecurity.WithKey(ClusterKey);

    /// <summary>Overrides <see cref="Security"/> for the tests' clients (TLS credentials, two keys during a roll); null to use it.</summary>
    public TransportSecurity? ClientSecurity { get; set; }

    public IReadOnlyList<LocalDaemon> Nodes => _nodes;

    /// <summary>Starts <paramref name="count"/> nodes on free ports and waits until each listens.</summary>
    public async Task<IReadOnlyList<LocalDaemon>> StartAsync(int count, params string[] extraArguments)
    {
        var started = FreePorts.Take(count)
            .Select(port => Create(NodeId.Parse(string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{port}")), extraArguments))
            .ToList();
        foreach (var node in started)
        {
            node.Start();
        }

        await Task.WhenAll(started.Select(n => n.WaitListeningAsync(WaitTimeout, CancellationToken.None)));
        return started;
    }

    /// <summary>Starts one node at <paramref name="listen"/> and waits until it listens.</summary>
    public async Task<LocalDaemon> StartAtAsync(NodeId listen, params string[] extraArguments)
    {
        var node = Create(listen, extraArguments);
        node.Start();
        await node.WaitListeningAsync(WaitTimeout, CancellationToken.None);
        return node;
    }

    private LocalDaemon Create(NodeId listen, string[] extraArguments)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"node{_nodes.Count + 1}-{listen.Port}");
        var arguments = new List<string> { "--log-level", "Information" };
        var security = Security;
        var keyOption = Array.IndexOf(extraArguments, "--cluster-key-file");
        if (keyOption >= 0)
        {
            security = TransportSecurity.WithKey(Halon.Transport.Tcp.ClusterKey.Load(extraArguments[keyOption + 1]));
        }
        else if (KeyFile is not null && !extraArguments.Contains("--tls-cert"))
        {
            arguments.AddRange(["--cluster-key-file", KeyFile]);
        }

        arguments.AddRange(extraArguments);
        var node = new LocalDaemon(HalondLauncher.ForPath(Paths.HalondDll), listen, Path.Combine(Root, name), Path.Combine(Root, name + ".log"), arguments, ClientSecurity ?? security);
        _nodes.Add(node);
        return node;
    }

    /// <summary>
    /// Stops <paramref name="node"/> (SIGKILL) and starts halond again on its address and data dir with new
    /// <paramref name="extraArguments"/>, as an operator restarting it with other flags would; waits until it answers.
    /// </summary>
    public async Task<LocalDaemon> RestartWithAsync(LocalDaemon node, params string[] extraArguments)
    {
        node.Kill();
        var arguments = new List<string> { "--log-level", "Information" };
        if (KeyFile is not null && !extraArguments.Contains("--cluster-key-file") && !extraArguments.Contains("--tls-cert"))
        {
            arguments.AddRange(["--cluster-key-file", KeyFile]);
        }

        arguments.AddRange(extraArguments);
        var restarted = new LocalDaemon(HalondLauncher.ForPath(Paths.HalondDll), node.Listen, node.DataDir, node.LogPath, arguments, ClientSecurity ?? Security);
        _nodes[_nodes.IndexOf(node)] = restarted;
        node.Dispose();
        restarted.Start();
        await restarted.WaitListeningAsync(WaitTimeout, CancellationToken.None);
        return restarted;
    }

    /// <summary>The cluster id of a station of these peers bootstrapped without <c>--timing</c> (so with <c>lan</c>).</summary>
    public static string StationId(PeerSet peers) => Halon.Core.StationTiming.Lan.ClusterIdFor(peers);

    /// <inheritdoc cref="StationId(PeerSet)"/>
    public static string StationId(IEnumerable<LocalDaemon> nodes) => StationId(PeerSet.Create(nodes.Select(n => n.Listen)));

    /// <summary>The comma list of the given nodes' addresses.</summary>
    public static string List(IEnumerable<LocalDaemon> nodes) => string.Join(',', nodes.Select(n => n.Listen.Value));

    /// <summary>One status over the wire, or null with the reason in <paramref name="error"/>.</summary>
    public async Task<(NodeStatus? Status, string? Error)> TryStatusAsync(NodeId node, byte[]? key = null)
    {
        var (report, error) = await TryReportAsync(node, key);
        return (report?.Node, error);
    }

    /// <summary>One status with the transport's part (security, connections), or null with the reason in <paramref name="error"/>.</summary>
    public async Task<(StatusReport? Report, string? Error)> TryReportAsync(NodeId node, byte[]? key = null)
    {
        try
        {
            var security = key is not null ? TransportSecurity.WithKey(key) : ClientSecurity ?? Security;
            await using var client = await ControlClient.ConnectAsync(node, security, TimeSpan.FromSeconds(5));
            return (await client.GetStatusReportAsync(), null);
        }
        catch (ControlException e)
        {
            return (null, e.Message);
        }
    }

    public async Task<NodeStatus> StatusAsync(LocalDaemon node)
    {
        var (status, error) = await TryStatusAsync(node.Listen);
        return status ?? throw new InvalidOperationException($"no status from {node.Listen}: {error}\n{Logs()}");
    }

    /// <summary>Polls <paramref name="node"/> until <paramref name="condition"/> holds, and returns that status.</summary>
    public async Task<NodeStatus> WaitForAsync(LocalDaemon node, Func<NodeStatus, bool> condition, string what, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        string last = "nothing yet";
        while (clock.Elapsed < (timeout ?? WaitTimeout))
        {
            var (status, error) = await TryStatusAsync(node.Listen);
            if (status is not null && condition(status))
            {
                return status;
            }

            last = status is null ? error! : Describe(status);
            await Task.Delay(s_pollInterval);
        }

        throw new TimeoutException($"{node.Listen}: {what} did not happen within {(timeout ?? WaitTimeout).TotalSeconds:0} s; last status: {last}\n{Logs()}");
    }

    /// <summary>
    /// Waits until <paramref name="node"/>'s log has a line containing <paramref name="marker"/>, and returns it. halond
    /// logs asynchronously, so a line may come after the status that already shows what it reports.
    /// </summary>
    public async Task<string> WaitForLogLineAsync(LocalDaemon node, string marker, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (node.LogLines.FirstOrDefault(l => l.Contains(marker, StringComparison.Ordinal)) is { } line)
            {
                return line;
            }

            if (clock.Elapsed >= (timeout ?? WaitTimeout))
            {
                throw new TimeoutException($"{node.Listen}: no log line with '{marker}' within {(timeout ?? WaitTimeout).TotalSeconds:0} s\n{Logs()}");
            }

            await Task.Delay(s_pollInterval);
        }
    }

    /// <summary>Waits until every given node reports the same coordinator, with an epoch above <paramref name="epochAbove"/>.</summary>
    public async Task<CoordinatorInfo> WaitForCoordinatorAsync(IReadOnlyList<LocalDaemon> nodes, long epochAbove = 0)
    {
        var clock = Stopwatch.StartNew();
        var last = new List<string>();
        while (clock.Elapsed < WaitTimeout)
        {
            last.Clear();
            var coordinators = new List<CoordinatorInfo?>();
            foreach (var node in nodes)
            {
                var (status, error) = await TryStatusAsync(node.Listen);
                coordinators.Add(status?.Coordinator);
                last.Add(status is null ? error! : Describe(status));
            }

            if (coordinators.All(c => c is not null && c.Epoch > epochAbove) && coordinators.Distinct().Count() == 1)
            {
                return coordinators[0]!;
            }

            await Task.Delay(s_pollInterval);
        }

        throw new TimeoutException($"no common coordinator with epoch above {epochAbove} within {WaitTimeout.TotalSeconds:0} s:\n  {string.Join("\n  ", last)}\n{Logs()}");
    }

    /// <summary>
    /// Waits until the given nodes read, in one round of status calls, as a steady station: one master running the
    /// coordinator in its own term, and every other node a follower of it. On a loaded machine an election may happen
    /// between two separate status calls; the views returned here were taken in one round and agree.
    /// </summary>
    public async Task<SteadyStation> WaitForSteadyStationAsync(IReadOnlyList<LocalDaemon> nodes, long epochAbove = 0)
    {
        var clock = Stopwatch.StartNew();
        var last = new List<string>();
        while (clock.Elapsed < WaitTimeout)
        {
            last.Clear();
            var views = new List<NodeStatus>();
            foreach (var node in nodes)
            {
                var (status, error) = await TryStatusAsync(node.Listen);
                last.Add(status is null ? error! : Describe(status));
                if (status is not null)
                {
                    views.Add(status);
                }
            }

            if (views.Count == nodes.Count && views.Where(v => v.State == "master").ToList() is [var master]
                && master.Coordinator is { } coordinator && coordinator.Node == master.Node && coordinator.Epoch == master.Term
                && coordinator.Epoch > epochAbove
                && views.All(v => v == master || (v.State == "follower" && v.Leader == master.Node && v.Coordinator == coordinator)))
            {
                return new SteadyStation(coordinator, views);
            }

            await Task.Delay(s_pollInterval);
        }

        throw new TimeoutException($"no steady station with epoch above {epochAbove} within {WaitTimeout.TotalSeconds:0} s:\n  {string.Join("\n  ", last)}\n{Logs()}");
    }

    /// <summary>The node running the coordinator.</summary>
    public LocalDaemon NodeOf(CoordinatorInfo coordinator) => _nodes.Single(n => n.Listen.Value == coordinator.Node);

    /// <summary>The tail of every node's log, for failure messages.</summary>
    public string Logs(int lines = 15)
    {
        var text = new StringBuilder();
        foreach (var node in _nodes)
        {
            text.Append("--- ").Append(node.Listen).Append(" (").Append(node.IsRunning ? "running" : $"exited {node.ExitCode}").Append("):\n").Append(node.LogTail(lines)).Append('\n');
        }

        return text.ToString();
    }

    public static string Describe(NodeStatus status) =>
        $"{status.Node} role {status.Role} state {status.State} term {status.Term} leader {status.Leader ?? "-"} " +
        $"coordinator {(status.Coordinator is { } c ? $"{c.Node}@{c.Epoch}" : "-")} missing [{status.MissingSummary()}]" +
        (status.Announcer is { } a ? $" announcer incarnation {a.Incarnation} acknowledged {a.Acknowledged}" : string.Empty);

    public void Dispose()
    {
        foreach (var node in _nodes)
        {
            node.Dispose();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A file still open by a process that is being reaped; the temp dir is cleaned eventually.
        }
    }
}

/// <summary>Status views of a station taken in one round, in which one master runs the coordinator and the rest follow it.</summary>
internal sealed record SteadyStation(CoordinatorInfo Coordinator, IReadOnlyList<NodeStatus> Views)
{
    public NodeStatus Master => Views.Single(v => v.Node == Coordinator.Node);

    public IEnumerable<NodeStatus> Followers => Views.Where(v => v.Node != Coordinator.Node);
}
