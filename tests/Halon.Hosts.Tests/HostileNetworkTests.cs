using System.Diagnostics;
using System.Net;
using Halon.Core.Status;
using Halon.Ctl.Demo;

namespace Halon.Hosts.Tests;

/// <summary>
/// A hostile network between real halond processes: a proxy on one link of a station of three flips a bit, replays an
/// old frame, reorders two frames, injects a forged frame, and reflects a frame back to its sender. Each must be
/// detected by the side that receives it, logged once, and cost only that connection: the dialler comes back, and the
/// station keeps its coordinator (same node, same epoch) throughout.
/// </summary>
public sealed class HostileNetworkTests : IClassFixture<KeyedProxiedStationFixture>
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);
    private readonly KeyedProxiedStationFixture _station;

    public HostileNetworkTests(KeyedProxiedStationFixture station)
    {
        _station = station;
    }

    [Theory]
    [InlineData(Attack.FlipBit)]
    [InlineData(Attack.Replay)]
    [InlineData(Attack.Reorder)]
    [InlineData(Attack.Inject)]
    [InlineData(Attack.Reflect)]
    public async Task An_attack_on_a_sealed_connection_is_detected_logged_once_and_survived(Attack attack)
    {
        await HostileNetwork.AttackAndCheckAsync(_station, attack, "failed authentication");
    }

    [Fact]
    public async Task A_forged_append_entries_does_not_move_the_station_to_its_term()
    {
        var before = await _station.Cluster.WaitForSteadyStationAsync(_station.Nodes);
        await HostileNetwork.AttackAndCheckAsync(_station, Attack.Inject, "failed authentication");
        var after = await _station.Cluster.WaitForSteadyStationAsync(_station.Nodes);
        Assert.All(after.Views, v => Assert.True(v.Term < 1_000_000_000, TestCluster.Describe(v)));
        Assert.Equal(before.Coordinator, after.Coordinator);
    }

    [Fact]
    public async Task A_burst_of_attacks_from_one_host_is_logged_once_per_window()
    {
        var source = IPAddress.Parse("127.0.9.9");
        var previous = _station.Proxy.SourceFor;
        _station.Proxy.SourceFor = _ => source;
        try
        {
            var before = await _station.Cluster.WaitForSteadyStationAsync(_station.Nodes);
            var marker = $"rejected connection from {source}:";
            var accepted = _station.Proxy.Accepted;
            _station.Proxy.DropAll(); // Both diallers come back from the one source.
            await HostileNetwork.EventuallyAsync(() => _station.Proxy.Reestablished(accepted, 5), "the diallers back through the proxy");
            var clock = Stopwatch.StartNew();
            const int attacks = 3;
            for (var i = 0; i < attacks; i++)
            {
                // Each attack needs a connection from the one source: wait until the dialler has redialled through it.
                await HostileNetwork.EventuallyAsync(
                    () => _station.Proxy.Reestablished(_station.Proxy.Accepted - 1, 5),
                    "a connection to carry the next attack");
                var strike = await _station.Proxy.Arm(Attack.FlipBit).WaitAsync(s_wait);
                Assert.Equal(source, strike.Source);
                await HostileNetwork.EventuallyAsync(() => _station.Proxy.Closed(strike.Connection), $"connection {strike.Connection} closed by the node");
            }

            var elapsed = clock.Elapsed;
            await HostileNetwork.EventuallyAsync(() => _station.Proxy.Reestablished(_station.Proxy.Accepted - 1, 20), "the dialler back after the burst");

            // One line per 10 s window from one host: on an idle machine the whole burst fits in one window.
            var logged = _station.Proxied.LogLines.Count(l => l.Contains(marker, StringComparison.Ordinal));
            Assert.InRange(logged, 1, Math.Min(attacks, 1 + (int)(elapsed.TotalSeconds / 10)));
            var after = await _station.Cluster.WaitForSteadyStationAsync(_station.Nodes);
            Assert.Equal(before.Coordinator, after.Coordinator);
        }
        finally
        {
            // Later attacks must come from sources of their own again, or the throttle would rightly hold their lines back.
            _station.Proxy.SourceFor = previous;
            var accepted = _station.Proxy.Accepted;
            _station.Proxy.DropAll();
            await HostileNetwork.EventuallyAsync(() => _station.Proxy.Reestablished(accepted, 5), "the diallers back from sources of their own");
        }
    }

    [Fact]
    public async Task Status_shows_each_connection_with_the_key_it_uses()
    {
        var result = await Ctl.RunAsync(["status", "--node", _station.Proxied.Listen.Value, "--json", .. _station.CtlSecurity]);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = System.Text.Json.JsonDocument.Parse(result.Output);
        var root = json.RootElement;
        var keyId = Halon.Transport.Tcp.ClusterKey.Id(_station.Cluster.ClusterKey!);
        Assert.Equal("cluster-key", root.GetProperty("security").GetProperty("mode").GetString());
        Assert.Equal(keyId, root.GetProperty("security").GetProperty("keys")[0].GetProperty("id").GetString());
        var connections = root.GetProperty("connections").EnumerateArray().ToList();
        Assert.Contains(connections, c => c.GetProperty("peer").GetString() == "halonctl" && c.GetProperty("direction").GetString() == "inbound");
        Assert.Contains(connections, c => c.GetProperty("peer").GetString() == _station.Nodes[0].Listen.Value && c.GetProperty("direction").GetString() == "outbound");
        Assert.All(connections, c => Assert.Equal(keyId, c.GetProperty("key_id").GetString()));
        Assert.All(connections, c => Assert.Equal("cluster-key", c.GetProperty("mode").GetString()));
        Assert.DoesNotContain(Convert.ToHexString(_station.Cluster.ClusterKey!), result.Output, StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>The same proxy on a station in TLS mode: TLS itself must detect a record altered in transit.</summary>
public sealed class HostileTlsNetworkTests : IClassFixture<TlsProxiedStationFixture>
{
    private readonly TlsProxiedStationFixture _station;

    public HostileTlsNetworkTests(TlsProxiedStationFixture station)
    {
        _station = station;
    }

    [Fact]
    public async Task A_flipped_bit_in_a_tls_record_is_detected_logged_once_and_survived()
    {
        await HostileNetwork.AttackAndCheckAsync(_station, Attack.FlipBit, "TLS record failed authentication");
    }
}

/// <summary>The steps every attack test goes through.</summary>
internal static class HostileNetwork
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Arms <paramref name="attack"/>, then checks: it struck; the receiving side logged exactly one line saying
    /// <paramref name="detected"/>; the dialler came back through the proxy; and the station runs the same coordinator
    /// (node and epoch) as before, with no coordinator started or stopped anywhere meanwhile.
    /// </summary>
    public static async Task AttackAndCheckAsync(ProxiedStationFixture station, Attack attack, string detected)
    {
        var before = await station.Cluster.WaitForSteadyStationAsync(station.Nodes);
        var marks = station.Nodes.Select(n => n.LogLines.Count).ToArray();
        var rejectedBefore = await FramesRejectedAsync(station);

        AttackResult strike;
        try
        {
            strike = await station.Proxy.Arm(attack).WaitAsync(s_wait);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"the {attack} did not strike within {s_wait.TotalSeconds:0} s; connections: {station.Proxy.Describe()}\n{station.Cluster.Logs(30)}");
        }

        // Detected where it arrives: the reflected frame at the dialler, every other at the node behind the proxy.
        Func<string, bool> line;
        LocalDaemon[] receivers;
        if (attack == Attack.Reflect)
        {
            line = l => l.Contains($"closed the connection to {station.Proxy.Address}:", StringComparison.Ordinal) && l.Contains(detected, StringComparison.Ordinal);
            receivers = station.Nodes.Where(n => n != station.Proxied).ToArray();
        }
        else
        {
            line = l => l.Contains($"rejected connection from {strike.Source}:", StringComparison.Ordinal) && l.Contains(detected, StringComparison.Ordinal);
            receivers = [station.Proxied];
        }

        await EventuallyAsync(
            () => receivers.Sum(n => NewLines(station, n, marks).Count(line)) >= 1,
            $"a log line about the {attack} ('{detected}')",
            station);
        await EventuallyAsync(() => station.Proxy.Reestablished(strike.Connection, 20), $"the dialler {strike.Dialler} back after the {attack}", station);
        var after = await station.Cluster.WaitForSteadyStationAsync(station.Nodes);

        // On a change, every node's log tail says why (a stall line, an election, a lost connection).
        Assert.True(before.Coordinator == after.Coordinator, $"the coordinator changed from {before.Coordinator} to {after.Coordinator} during the {attack}:\n{station.Cluster.Logs(40)}");
        Assert.Equal(1, receivers.Sum(n => NewLines(station, n, marks).Count(line)));
        Assert.True(await FramesRejectedAsync(station) > rejectedBefore, "no node counted the frame in transport_totals.frames_rejected");
        foreach (var node in station.Nodes)
        {
            Assert.DoesNotContain(NewLines(station, node, marks), l => l.Contains("coordinator started", StringComparison.Ordinal) || l.Contains("coordinator stopped", StringComparison.Ordinal));
        }

        Assert.All(station.Nodes, n => Assert.True(n.IsRunning, station.Cluster.Logs()));
    }

    public static async Task EventuallyAsync(Func<bool> condition, string what, ProxiedStationFixture? station = null)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > s_wait)
            {
                throw new TimeoutException($"{what} did not happen within {s_wait.TotalSeconds:0} s\n{station?.Cluster.Logs(30)}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Frames that failed authentication, summed over the station's nodes (status, <c>transport_totals</c>).</summary>
    private static async Task<long> FramesRejectedAsync(ProxiedStationFixture station)
    {
        var total = 0L;
        foreach (var node in station.Nodes)
        {
            var (report, error) = await station.Cluster.TryReportAsync(node.Listen);
            total += report?.Transport.Counters.FramesRejected ?? throw new InvalidOperationException($"no status from {node.Listen}: {error}");
        }

        return total;
    }

    private static IEnumerable<string> NewLines(ProxiedStationFixture station, LocalDaemon node, int[] marks)
    {
        var index = station.Nodes.ToList().IndexOf(node);
        return node.LogLines.Skip(marks[index]);
    }
}
