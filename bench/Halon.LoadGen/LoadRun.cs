using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Halon.Core.Identity;
using Halon.Core.Status;
using Halon.Transport.Tcp;

namespace Halon.LoadGen;

/// <summary>
/// One run: the fleet in this process or split over child processes (each has the open-file limit to itself), the
/// peers' CPU and memory sampled before and after, and on request a kill -9 of the master half-way with a watch of the
/// new coordinator's satellite table.
/// </summary>
internal sealed class LoadRun
{
    /// <summary>Sockets one virtual satellite may hold at once: its listener, a connection to the peer it announced to and one to the master, and the connections those peers dialled back.</summary>
    public const int SocketsPerSatellite = 5;

    private static readonly TimeSpan s_statusPoll = TimeSpan.FromMilliseconds(20);
    private readonly LoadOptions _options;
    private readonly TextWriter _progress;
    private readonly Lock _lock = new();
    private readonly Dictionary<int, (int Acknowledged, NodeId? By)> _progressByFleet = new();
    private NodeId? _lastCoordinator;
    private long _killedAt;
    private long _progressPrintedAt = Stopwatch.GetTimestamp();
    private string? _killed;
    private int _acknowledgedBeforeKill;
    private Task<(string? Node, long SeenAt, List<(long At, HashSet<string> Table)> Tables, string? Error)>? _watch;

    public LoadRun(LoadOptions options, TextWriter progress)
    {
        _options = options;
        _progress = progress;
    }

    /// <summary>Generator processes needed for <paramref name="satellites"/> under an open-file limit of <paramref name="fileLimit"/>.</summary>
    public static int ProcessesFor(int satellites, ulong fileLimit)
    {
        var perProcess = Math.Max(1, ((long)Math.Min(fileLimit, int.MaxValue) - 256) / SocketsPerSatellite);
        return (int)Math.Max(1, (satellites + perProcess - 1) / perProcess);
    }

    public async Task<LoadReport> RunAsync(int processes, CancellationToken cancellationToken)
    {
        var before = _options.Peers.Select(p => ProcessSample.Read(p.Pid)).ToArray();
        var timeout = TimeSpan.FromSeconds(_options.TimeoutSeconds);
        IReadOnlyList<FleetResult> results = processes == 1
            ? [await RunHereAsync(timeout, cancellationToken).ConfigureAwait(false)]
            : await RunChildrenAsync(processes, cancellationToken).ConfigureAwait(false);

        var peers = new List<PeerFigures>();
        for (var i = 0; i < _options.Peers.Count; i++)
        {
            var (node, pid) = _options.Peers[i];
            var after = ProcessSample.Read(pid);
            var start = before[i];
            peers.Add(after is null
                ? new PeerFigures(node.Value, pid, 0, 0, 0, false)
                : new PeerFigures(node.Value, pid, after.CpuSeconds - (start?.CpuSeconds ?? 0), after.RssKiB, after.PeakRssKiB, true));
        }

        FailoverFigures? failover = null;
        if (_watch is not null)
        {
            failover = await FailoverFiguresAsync(results, cancellationToken).ConfigureAwait(false);
        }
        else if (_options.KillMasterAt is { } fraction)
        {
            failover = new FailoverFigures("none", 0, 0, null, null, null, 0, $"the master was not killed: fewer than {fraction:P0} of the satellites were ever acknowledged");
        }
        return LoadReport.Of(results, processes, peers, failover, LoadReport.ReadLoadAverage());
    }

    private async Task<FleetResult> RunHereAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var fleet = await SatelliteFleet.StartAsync(Fleet(0, _options.Satellites), _progress).ConfigureAwait(false);
        await using (fleet.ConfigureAwait(false))
        {
            _progress.WriteLine($"halon-loadgen: {_options.Satellites} virtual satellites listen on {_options.AddressPrefix}.x.y:{_options.Port}; announcing");
            return await RunOnThreadAsync(() => fleet.Run(timeout, cancellationToken, (acknowledged, by) => Progress(0, acknowledged, by))).ConfigureAwait(false);
        }
    }

    public FleetOptions Fleet(int first, int count) => new()
    {
        Station = _options.Station,
        Security = _options.Security,
        AddressPrefix = _options.AddressPrefix,
        Port = _options.Port,
        Total = _options.Satellites,
        First = first,
        Count = count,
        Ramp = TimeSpan.FromMilliseconds(_options.RampMs),
        PeerTimeout = TimeSpan.FromMilliseconds(_options.PeerTimeoutMs),
    };

    private static Task<T> RunOnThreadAsync<T>(Func<T> run)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                done.TrySetResult(run());
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        })
        { IsBackground = true, Name = "halon-loadgen fleet" };
        thread.Start();
        return done.Task;
    }

    private async Task<IReadOnlyList<FleetResult>> RunChildrenAsync(int processes, CancellationToken cancellationToken)
    {
        var children = new List<Process>();
        try
        {
            var per = (_options.Satellites + processes - 1) / processes;
            for (var k = 0; k < processes; k++)
            {
                var first = k * per;
                var count = Math.Min(per, _options.Satellites - first);
                if (count <= 0)
                {
                    break;
                }

                var start = new ProcessStartInfo(Environment.ProcessPath!)
                {
                    RedirectStandardInput = true,
                    RedirectStandardOutput = true,
                    RedirectStandardError = false,
                    UseShellExecute = false,
                };
                if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet")
                {
                    start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "halon-loadgen.dll")); // Run by the dotnet host, not as a native build.
                }

                foreach (var argument in _options.ChildArguments())
                {
                    start.ArgumentList.Add(argument);
                }

                start.ArgumentList.Add("--worker");
                start.ArgumentList.Add(first.ToString(CultureInfo.InvariantCulture));
                start.ArgumentList.Add(count.ToString(CultureInfo.InvariantCulture));
                children.Add(Process.Start(start) ?? throw new InvalidOperationException("cannot start a generator process"));
            }

            // Every child listens before any announces.
            foreach (var child in children)
            {
                var line = await child.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false);
                if (line != "ready")
                {
                    throw new InvalidOperationException($"a generator process (pid {child.Id}) failed to start its satellites: {line ?? "it exited"}");
                }
            }

            _progress.WriteLine($"halon-loadgen: {_options.Satellites} virtual satellites in {children.Count} processes listen on {_options.AddressPrefix}.x.y:{_options.Port}; announcing");
            foreach (var child in children)
            {
                await child.StandardInput.WriteLineAsync("go").ConfigureAwait(false);
                await child.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            var readers = children.Select((child, k) => ReadChildAsync(child, k, cancellationToken)).ToArray();
            return await Task.WhenAll(readers).ConfigureAwait(false);
        }
        finally
        {
            foreach (var child in children)
            {
                try
                {
                    if (!child.HasExited)
                    {
                        child.Kill();
                    }
                }
                catch (InvalidOperationException)
                {
                    // It exited meanwhile.
                }

                child.Dispose();
            }
        }
    }

    private async Task<FleetResult> ReadChildAsync(Process child, int k, CancellationToken cancellationToken)
    {
        while (await child.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.StartsWith("progress ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Progress(k, int.Parse(parts[1], CultureInfo.InvariantCulture), parts.Length > 2 ? NodeId.Parse(parts[2]) : null);
            }
            else if (line.StartsWith('{'))
            {
                return WorkerResult.Parse(line);
            }
        }

        throw new InvalidOperationException($"generator process {child.Id} ended without a result (exit code {(child.WaitForExit(5000) ? child.ExitCode : -1)})");
    }

    /// <summary>Progress of one fleet: prints a line now and then, and kills the master at the fraction asked for.</summary>
    private void Progress(int fleet, int acknowledged, NodeId? by)
    {
        lock (_lock)
        {
            _progressByFleet[fleet] = (acknowledged, by);
            _lastCoordinator = by ?? _lastCoordinator;
            var total = _progressByFleet.Values.Sum(p => p.Acknowledged);
            var now = Stopwatch.GetTimestamp();
            if (now - _progressPrintedAt >= 2 * Stopwatch.Frequency)
            {
                _progress.WriteLine($"halon-loadgen: {total} of {_options.Satellites} acknowledged");
                _progressPrintedAt = now;
            }

            if (_options.KillMasterAt is { } fraction && _killed is null && total >= fraction * _options.Satellites && _lastCoordinator is { } master)
            {
                Kill(master, total);
            }
        }
    }

    private void Kill(NodeId master, int acknowledged)
    {
        var pid = _options.Peers.FirstOrDefault(p => p.Node.Equals(master)).Pid;
        if (pid == 0)
        {
            _killed = master.Value + " (no --peer gives its pid; not killed)";
            return;
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            _progress.WriteLine($"halon-loadgen: cannot kill {master} (pid {pid}): {e.Message}");
        }

        _killedAt = Stopwatch.GetTimestamp();
        _killed = master.Value;
        _acknowledgedBeforeKill = acknowledged;
        _progress.WriteLine($"halon-loadgen: killed the master {master} (pid {pid}, kill -9) with {acknowledged} satellites acknowledged");
        var survivors = _options.Station.Members.Where(m => !m.Equals(master)).ToArray();
        _watch = Task.Run(() => WatchNewCoordinatorAsync(survivors, master));
    }

    /// <summary>
    /// Polls the survivors with halonctl's status request until one runs a coordinator, then keeps a second of its
    /// satellite tables (every 20 ms) to find when it held every satellite acknowledged before the kill.
    /// </summary>
    private async Task<(string? Node, long SeenAt, List<(long At, HashSet<string> Table)> Tables, string? Error)> WatchNewCoordinatorAsync(NodeId[] survivors, NodeId killed)
    {
        var deadline = Stopwatch.GetTimestamp() + (30 * Stopwatch.Frequency);
        var tables = new List<(long, HashSet<string>)>();
        NodeId? coordinator = null;
        long seenAt = 0;
        string? error = null;
        while (Stopwatch.GetTimestamp() < deadline && tables.Count < 50)
        {
            foreach (var node in coordinator is null ? survivors : [coordinator])
            {
                try
                {
                    var client = await ControlClient.ConnectAsync(node, _options.Security, TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                    await using (client.ConfigureAwait(false))
                    {
                        var status = await client.GetStatusAsync().ConfigureAwait(false);
                        var at = Stopwatch.GetTimestamp();
                        if (status.Coordinator is { } running && running.Node == status.Node && status.Node != killed.Value)
                        {
                            if (coordinator is null)
                            {
                                coordinator = node;
                                seenAt = at;
                            }

                            tables.Add((at, status.Satellites.Where(s => s.Acknowledged).Select(s => s.Node).ToHashSet()));
                        }
                    }
                }
                catch (Exception e) when (e is IOException or ControlException or System.Net.Sockets.SocketException or OperationCanceledException or TimeoutException)
                {
                    error = $"status of {node}: {e.Message}";
                }
            }

            await Task.Delay(s_statusPoll).ConfigureAwait(false);
        }

        return (coordinator?.Value, seenAt, tables, coordinator is null ? error ?? "no coordinator seen within 30 s" : null);
    }

    private async Task<FailoverFigures> FailoverFiguresAsync(IReadOnlyList<FleetResult> results, CancellationToken cancellationToken)
    {
        var (node, seenAt, tables, error) = await _watch!.WaitAsync(cancellationToken).ConfigureAwait(false);
        var ms = 1000.0 / Stopwatch.Frequency;

        // Acknowledged before the kill: the acknowledgements stepped before it.
        var before = results.SelectMany(r => r.Acknowledged.Zip(r.AcknowledgedAt)).Where(p => p.Second < _killedAt).Select(p => p.First).ToArray();
        double? complete = null;
        foreach (var (at, table) in tables)
        {
            if (before.All(table.Contains))
            {
                complete = (at - seenAt) * ms;
                break;
            }
        }

        // Every satellite ever acknowledged must be in the table of the coordinator at the end.
        var missing = 0;
        if (node is not null)
        {
            try
            {
                var client = await ControlClient.ConnectAsync(NodeId.Parse(node), _options.Security, TimeSpan.FromSeconds(5), cancellationToken).ConfigureAwait(false);
                await using (client.ConfigureAwait(false))
                {
                    var status = await client.GetStatusAsync(cancellationToken).ConfigureAwait(false);
                    var table = status.Satellites.Where(s => s.Acknowledged).Select(s => s.Node).ToHashSet();
                    missing = results.SelectMany(r => r.Acknowledged).Count(id => !table.Contains(id));
                }
            }
            catch (Exception e) when (e is IOException or ControlException or System.Net.Sockets.SocketException or TimeoutException)
            {
                error = $"final status of {node}: {e.Message}";
                missing = -1;
            }
        }

        return new FailoverFigures(_killed!, before.Length, (_killedAt - results.Where(r => r.FirstAnnouncedAt != 0).Select(r => r.FirstAnnouncedAt).DefaultIfEmpty(_killedAt).Min()) * ms, node, node is null ? null : (seenAt - _killedAt) * ms, complete, missing, error);
    }
}

/// <summary>A child process's result, one JSON line on its stdout.</summary>
internal static class WorkerResult
{
    public static string Format(FleetResult result)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteNumber("count", result.Count);
            json.WriteNumber("first", result.FirstAnnouncedAt);
            json.WriteNumber("last", result.LastAcknowledgedAt);
            json.WriteNumber("announcements", result.Announcements);
            json.WriteNumber("redirects", result.Redirects);
            json.WriteNumber("warnings", result.Warnings);
            json.WriteNumber("cpu_s", result.CpuSeconds);
            json.WriteStartArray("latencies");
            foreach (var latency in result.LatenciesMs)
            {
                json.WriteNumberValue(latency);
            }

            json.WriteEndArray();
            json.WriteStartArray("acknowledged");
            foreach (var id in result.Acknowledged)
            {
                json.WriteStringValue(id);
            }

            json.WriteEndArray();
            json.WriteStartArray("acknowledged_at");
            foreach (var at in result.AcknowledgedAt)
            {
                json.WriteNumberValue(at);
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    public static FleetResult Parse(string line)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        return new FleetResult(
            root.GetProperty("count").GetInt32(),
            root.GetProperty("first").GetInt64(),
            root.GetProperty("last").GetInt64(),
            root.GetProperty("latencies").EnumerateArray().Select(e => e.GetDouble()).ToArray(),
            root.GetProperty("acknowledged").EnumerateArray().Select(e => e.GetString()!).ToArray(),
            root.GetProperty("acknowledged_at").EnumerateArray().Select(e => e.GetInt64()).ToArray(),
            root.GetProperty("announcements").GetInt64(),
            root.GetProperty("redirects").GetInt64(),
            root.GetProperty("warnings").GetInt64(),
            root.GetProperty("cpu_s").GetDouble());
    }
}
