using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Halon.Core.Identity;
using Halon.Ctl.Demo;
using Halon.Transport.Tcp;

namespace Halon.Hosts.Tests;

/// <summary>What an operator's tools see of real halond processes: the metrics endpoint, JSON logs, systemd's notify socket, exit codes.</summary>
public sealed partial class OperationsTests : IDisposable
{
    private static readonly HttpClient s_http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly TestCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task Metrics_scraped_from_real_nodes_show_the_station_the_satellite_and_a_failover()
    {
        var ports = FreePorts.Take(8);
        var nodes = new List<(LocalDaemon Node, string Url)>();
        for (var i = 0; i < 4; i++)
        {
            var node = await _cluster.StartAtAsync(NodeId.Parse($"127.0.0.1:{ports[i]}"), "--metrics-listen", $"127.0.0.1:{ports[i + 4]}");
            nodes.Add((node, $"http://127.0.0.1:{ports[i + 4]}/metrics"));
        }

        var peers = nodes.Take(3).Select(n => n.Node).ToList();
        var satellite = nodes[3];
        var station = await Ctl.RunAsync("bootstrap", "station", "--peers", TestCluster.List(peers), "--wait", "--timeout", "60s");
        Assert.True(station.ExitCode == 0, station.ToString());
        var announced = await Ctl.RunAsync("bootstrap", "satellite", "--station", TestCluster.List(peers), "--on", satellite.Node.Listen.Value, "--wait", "--timeout", "60s");
        Assert.True(announced.ExitCode == 0, announced.ToString());
        var steady = await _cluster.WaitForSteadyStationAsync(peers);
        var master = nodes.Single(n => n.Node.Listen.Value == steady.Coordinator.Node);

        var scrape = await ScrapeUntilAsync(master.Url, m => m.Value("halon_coordinator_up") == 1 && m.Value("halon_satellites_acknowledged") == 1, "the master's coordinator and the satellite");
        Assert.Equal(1, scrape.Value("halon_state", "state=master"));
        Assert.Equal(0, scrape.Value("halon_state", "state=follower"));
        Assert.Equal(1, scrape.Value("halon_role", "role=station"));
        Assert.Equal(scrape.Value("halon_term"), scrape.Value("halon_coordinator_epoch"));
        Assert.True(scrape.Value("halon_elections_won_total") >= 1);
        Assert.True(scrape.Value("halon_lease_renewals_total") > 0);
        Assert.True(scrape.Value("halon_messages_sent_total", "type=append_entries") > 0);
        Assert.True(scrape.Value("halon_messages_received_total", "type=append_entries_response") > 0);
        Assert.True(scrape.Value("halon_transport_messages_sent_total") > 0);
        AssertHistogram(scrape, "halon_persist_duration_seconds");
        Assert.Equal("counter", scrape.Types["halon_messages_received_total"]);
        Assert.Equal("gauge", scrape.Types["halon_term"]);

        foreach (var follower in nodes.Take(3).Where(n => n != master))
        {
            var seen = await ScrapeUntilAsync(follower.Url, m => m.Value("halon_state", "state=follower") == 1 && m.Value("halon_satellites_acknowledged") == 1, "a follower with the satellite applied");
            Assert.Equal(0, seen.Value("halon_coordinator_up"));
            Assert.True(seen.Value("halon_master_changes_total") >= 1);
            Assert.True(seen.Value("halon_messages_received_total", "type=append_entries") > 0);
        }

        var own = await ScrapeUntilAsync(satellite.Url, m => m.Value("halon_announcement_acknowledged") == 1, "the satellite's acknowledgement");
        Assert.Equal(1, own.Value("halon_role", "role=satellite"));
        Assert.Equal(1, own.Value("halon_state", "state=none"));
        Assert.True(own.Value("halon_messages_sent_total", "type=node_up") >= 1);
        Assert.True(own.Value("halon_messages_received_total", "type=node_up_ack") >= 1);

        // A failover, as the survivors' metrics tell it.
        var oldTerm = scrape.Value("halon_term");
        master.Node.Kill();
        var survivors = nodes.Take(3).Where(n => n != master).ToList();
        var after = await _cluster.WaitForSteadyStationAsync(survivors.Select(s => s.Node).ToList(), epochAbove: steady.Coordinator.Epoch);
        var newMaster = survivors.Single(n => n.Node.Listen.Value == after.Coordinator.Node);
        var promoted = await ScrapeUntilAsync(newMaster.Url, m => m.Value("halon_coordinator_up") == 1, "the new master's coordinator");
        Assert.True(promoted.Value("halon_term") > oldTerm);
        Assert.True(promoted.Value("halon_elections_started_total") >= 1);
        Assert.True(promoted.Value("halon_elections_won_total") >= 1);
        Assert.Equal(1, promoted.Value("halon_satellites_acknowledged"));
        foreach (var survivor in survivors)
        {
            var seen = Scrape(await s_http.GetStringAsync(new Uri(survivor.Url)));
            Assert.True(seen.Value("halon_master_changes_total") >= 2, $"{survivor.Url}: master changes {seen.Value("halon_master_changes_total")}");
        }
    }

    [Fact]
    public async Task Json_logs_parse_line_by_line_with_node_term_and_reason_as_fields()
    {
        var peers = await _cluster.StartAsync(3, "--log-format", "json");
        var text = await _cluster.StartAsync(1);
        var station = await Ctl.RunAsync("bootstrap", "station", "--peers", TestCluster.List(peers), "--wait", "--timeout", "60s");
        Assert.True(station.ExitCode == 0, station.ToString());
        await _cluster.WaitForCoordinatorAsync(peers);

        var changes = 0;
        foreach (var peer in peers)
        {
            Assert.NotEmpty(peer.LogLines);
            foreach (var line in peer.LogLines)
            {
                using var json = ParseLine(line);
                var root = json.RootElement;
                Assert.Equal(JsonValueKind.String, root.GetProperty("time").ValueKind);
                Assert.True(DateTimeOffset.TryParse(root.GetProperty("time").GetString(), CultureInfo.InvariantCulture, out _), line);
                Assert.Contains(root.GetProperty("level").GetString(), new[] { "debug", "info", "warning", "error", "critical" });
                Assert.False(string.IsNullOrEmpty(root.GetProperty("event").GetString()), line);
                Assert.Equal(peer.Listen.Value, root.GetProperty("node").GetString());
                Assert.False(string.IsNullOrEmpty(root.GetProperty("message").GetString()), line);
                if (root.GetProperty("event").GetString() == "StateChanged")
                {
                    changes++;
                    Assert.Equal(JsonValueKind.Number, root.GetProperty("term").ValueKind);
                    Assert.False(string.IsNullOrEmpty(root.GetProperty("reason").GetString()), line);
                    Assert.Contains(root.GetProperty("to").GetString(), new[] { "waiting-for-quorum", "follower", "pre-candidate", "candidate", "master" });
                }
            }
        }

        Assert.True(changes >= 6, $"{changes} StateChanged events on 3 peers"); // Each: none -> waiting -> follower at least.
        Assert.Contains(peers.SelectMany(p => p.LogLines), l => l.Contains("\"event\":\"BecameMaster\"", StringComparison.Ordinal));

        // The text format: time, level, message; no "halond[623819731]" event id that reads as a PID.
        Assert.NotEmpty(text[0].LogLines);
        Assert.All(text[0].LogLines, line => Assert.Matches(TextLine(), line));
        Assert.DoesNotContain(text[0].LogLines, line => line.Contains("halond[", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Under_systemd_halond_sends_ready_when_it_listens_watchdog_from_its_loop_and_stopping_at_the_end()
    {
        var socketPath = Path.Combine(_cluster.Root, "notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        var received = new List<string>();
        var port = FreePorts.Take(1)[0];
        var info = HalondLauncher.ForPath(Paths.HalondDll).StartInfo(["--listen", $"127.0.0.1:{port}", "--data-dir", Path.Combine(_cluster.Root, "data")]);
        info.Environment["NOTIFY_SOCKET"] = socketPath;
        info.Environment["WATCHDOG_USEC"] = "400000";
        using var process = Process.Start(info)!;
        try
        {
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var ready = await ReceiveAsync(socket, TimeSpan.FromSeconds(60));
            Assert.Equal("READY=1", ready);
            // READY=1 means "this node answers": a status call works at once.
            await using (var client = await ControlClient.ConnectAsync(NodeId.Parse($"127.0.0.1:{port}"), null, TimeSpan.FromSeconds(10)))
            {
                Assert.Equal("none", (await client.GetStatusAsync()).Role);
            }

            for (var i = 0; i < 5; i++)
            {
                received.Add(await ReceiveAsync(socket, TimeSpan.FromSeconds(30)));
            }

            Assert.All(received, r => Assert.Equal("WATCHDOG=1", r));
            using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            string last;
            do
            {
                last = await ReceiveAsync(socket, TimeSpan.FromSeconds(30));
            }
            while (last == "WATCHDOG=1");
            Assert.Equal("STOPPING=1", last);
            using var exited = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(exited.Token);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill();
            }
        }
    }

    [Fact]
    public async Task A_corrupt_data_dir_exits_with_the_status_systemd_does_not_restart()
    {
        var port = FreePorts.Take(1)[0];
        var node = new LocalDaemon(HalondLauncher.ForPath(Paths.HalondDll), NodeId.Parse($"127.0.0.1:{port}"), Path.Combine(_cluster.Root, "corrupt"), Path.Combine(_cluster.Root, "corrupt.log"));
        using var _ = node;
        Directory.CreateDirectory(node.DataDir);
        await File.WriteAllBytesAsync(Path.Combine(node.DataDir, "hardstate"), Encoding.ASCII.GetBytes("not a hard state file at all"));
        node.Start();
        var clock = Stopwatch.StartNew();
        while (node.IsRunning && clock.Elapsed < TestCluster.WaitTimeout)
        {
            await Task.Delay(50);
        }

        Assert.Equal(3, node.ExitCode);
        Assert.Contains("hardstate", await _cluster.WaitForLogLineAsync(node, "refusing to start"), StringComparison.Ordinal);
        var unit = await File.ReadAllTextAsync(Path.Combine(Paths.Root, "hosts", "Halon.Daemon", "halond.service"));
        Assert.Matches(new Regex(@"^RestartPreventExitStatus=.*\b3\b", RegexOptions.Multiline), unit);
    }

    private static JsonDocument ParseLine(string line)
    {
        try
        {
            return JsonDocument.Parse(line);
        }
        catch (JsonException e)
        {
            throw new Xunit.Sdk.XunitException($"not a JSON line ({e.Message}): {line}");
        }
    }

    private static void AssertHistogram(PrometheusText scrape, string name)
    {
        Assert.Equal("histogram", scrape.Types[name]);
        var count = scrape.Value(name + "_count");
        Assert.True(count > 0, $"{name}_count is {count}");
        Assert.Equal(count, scrape.Value(name + "_bucket", "le=+Inf"));
        Assert.True(scrape.Value(name + "_sum") > 0);
    }

    private static PrometheusText Scrape(string text) => PrometheusText.Parse(text);

    private static async Task<PrometheusText> ScrapeUntilAsync(string url, Func<PrometheusText, bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        var last = string.Empty;
        while (clock.Elapsed < TestCluster.WaitTimeout)
        {
            last = await s_http.GetStringAsync(new Uri(url));
            var scrape = PrometheusText.Parse(last);
            try
            {
                if (condition(scrape))
                {
                    return scrape;
                }
            }
            catch (Xunit.Sdk.XunitException)
            {
                // A metric not there yet (a counter appears with its first event).
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"{url}: {what} not seen within {TestCluster.WaitTimeout.TotalSeconds:0} s; last scrape:\n{last}");
    }

    private static async Task<string> ReceiveAsync(Socket socket, TimeSpan timeout)
    {
        var buffer = new byte[4096];
        using var deadline = new CancellationTokenSource(timeout);
        var length = await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token);
        return Encoding.ASCII.GetString(buffer, 0, length);
    }

    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (info |warn |debug|error|crit ) \S")]
    private static partial Regex TextLine();
}
