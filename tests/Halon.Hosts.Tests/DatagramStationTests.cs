using System.Security.Cryptography;
using System.Text.Json;
using Halon.Ctl.Demo;

namespace Halon.Hosts.Tests;

/// <summary>
/// The datagram channel with the shipped programs: a station's peers exchange heartbeats and votes as datagrams
/// (halonctl shows the counters), a node with <c>--no-datagrams</c> takes part over TCP alone, and the new flags'
/// bad values are usage errors.
/// </summary>
public sealed class DatagramStationTests : IDisposable
{
    private readonly TestCluster _cluster = new(RandomNumberGenerator.GetBytes(32));

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task Peers_exchange_datagrams_and_a_node_without_them_still_takes_part_over_tcp()
    {
        var nodes = (await _cluster.StartAsync(2)).ToList();
        nodes.Add(await _cluster.StartAtAsync(Halon.Core.Identity.NodeId.Parse($"127.0.0.1:{FreePorts.Take(1)[0]}"), "--no-datagrams"));
        var bootstrap = await Ctl.RunAsync("bootstrap", "station", "--peers", TestCluster.List(nodes), "--cluster-key-file", _cluster.KeyFile!, "--wait", "--timeout", "60s");
        Assert.True(bootstrap.ExitCode == 0, bootstrap.ToString());
        var steady = await _cluster.WaitForSteadyStationAsync(nodes);

        // Heartbeats go from the master to each follower and the answers back, so two followers exchange nothing
        // between themselves. With the node without datagrams as master (the first election goes by rank, so its
        // port decides), no datagram would flow at all: restart it until a node with datagrams leads.
        for (var attempt = 0; attempt < 5 && steady.Coordinator.Node == nodes[2].Listen.Value; attempt++)
        {
            nodes[2] = await _cluster.RestartWithAsync(nodes[2], "--no-datagrams");
            steady = await _cluster.WaitForSteadyStationAsync(nodes, epochAbove: steady.Coordinator.Epoch);
        }

        Assert.NotEqual(nodes[2].Listen.Value, steady.Coordinator.Node);

        // The master and the follower with datagrams hear each other over UDP as well; none is refused.
        var deadline = DateTime.UtcNow + TestCluster.WaitTimeout;
        (long Sent, long Received, long Rejected)[] totals;
        do
        {
            totals = await Task.WhenAll(nodes.Select(TotalsAsync));
            if (totals[0].Received > 0 && totals[1].Received > 0)
            {
                break;
            }

            await Task.Delay(200);
        }
        while (DateTime.UtcNow < deadline);

        Assert.True(totals[0].Received > 0 && totals[1].Received > 0, $"datagrams (sent, received, rejected): {string.Join(", ", totals)}\n{_cluster.Logs()}");
        Assert.All(totals, t => Assert.Equal(0, t.Rejected));

        // The third sends none and is sent none: it said so in its handshakes.
        Assert.Equal((0L, 0L, 0L), totals[2]);
        Assert.Contains("datagrams off (--no-datagrams)", _cluster.Logs(200), StringComparison.Ordinal);

        var text = await Ctl.RunAsync("status", "--node", nodes[0].Listen.Value, "--cluster-key-file", _cluster.KeyFile!);
        Assert.Matches(@"datagrams\s+\d+ sent, [1-9]\d* received, 0 rejected", text.Output);
    }

    [Theory]
    [InlineData("--peer-timeout", "fast", "--peer-timeout 'fast' is not a duration from 200ms to 60s")]
    [InlineData("--peer-timeout", "50ms", "--peer-timeout '50ms' is not a duration from 200ms to 60s")]
    public async Task A_bad_peer_timeout_is_a_usage_error(string flag, string value, string message)
    {
        var info = HalondLauncher.ForPath(Paths.HalondDll).StartInfo(["--listen", "127.0.0.1:1", "--data-dir", Path.Combine(_cluster.Root, "x"), flag, value]);
        using var process = System.Diagnostics.Process.Start(info)!;
        var errors = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.Equal(2, process.ExitCode);
        Assert.Contains(message, await errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_udp_port_taken_by_another_program_stops_halond_with_exit_1_naming_udp()
    {
        using var taken = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Udp);
        taken.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var port = ((System.Net.IPEndPoint)taken.LocalEndPoint!).Port;
        var info = HalondLauncher.ForPath(Paths.HalondDll).StartInfo(["--listen", $"127.0.0.1:{port}", "--data-dir", Path.Combine(_cluster.Root, "udp-taken"), "--insecure"]);
        using var process = System.Diagnostics.Process.Start(info)!;
        var errors = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        var text = await errors + await output;
        Assert.True(process.ExitCode == 1, text);
        Assert.Contains($"cannot listen on 127.0.0.1:{port} (TCP, and UDP for datagrams", text, StringComparison.Ordinal);
    }

    private async Task<(long Sent, long Received, long Rejected)> TotalsAsync(LocalDaemon node)
    {
        var status = await Ctl.RunAsync("status", "--node", node.Listen.Value, "--cluster-key-file", _cluster.KeyFile!, "--json");
        Assert.True(status.ExitCode == 0, status.ToString());
        using var json = JsonDocument.Parse(status.Output);
        var totals = json.RootElement.GetProperty("transport_totals");
        return (totals.GetProperty("datagrams_sent").GetInt64(), totals.GetProperty("datagrams_received").GetInt64(), totals.GetProperty("datagrams_rejected").GetInt64());
    }
}
