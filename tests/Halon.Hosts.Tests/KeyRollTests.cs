using System.Security.Cryptography;
using System.Text.Json;
using Halon.Ctl.Demo;
using Halon.Transport.Tcp;

namespace Halon.Hosts.Tests;

/// <summary>
/// The key roll of the operations guide on a real station: every node restarted, one at a time, first with the new
/// key as its next key, then with the new key alone. The station keeps a coordinator after every step, and status
/// shows at each step which key every connection uses.
/// </summary>
public sealed class KeyRollTests : IDisposable
{
    private readonly TestCluster _cluster = new(RandomNumberGenerator.GetBytes(32));

    /// <summary>The key the station starts with, as halond reads it from its file.</summary>
    private byte[] Old => _cluster.ClusterKey!;

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task A_new_key_rolled_out_host_by_host_keeps_the_station_up_and_status_shows_each_connections_key()
    {
        var nodes = (await _cluster.StartAsync(3)).ToList();
        var bootstrap = await Ctl.RunAsync("bootstrap", "station", "--peers", TestCluster.List(nodes), "--cluster-key-file", _cluster.KeyFile!, "--wait", "--timeout", "60s");
        Assert.True(bootstrap.ExitCode == 0, bootstrap.ToString());
        await _cluster.WaitForSteadyStationAsync(nodes);

        var newKeyFile = Path.Combine(_cluster.Root, "cluster.key.next");
        var generated = await Ctl.RunAsync("key", "generate", newKeyFile);
        Assert.True(generated.ExitCode == 0, generated.ToString());
        var newKey = ClusterKey.Load(newKeyFile);
        var (oldId, newId) = (ClusterKey.Id(Old), ClusterKey.Id(newKey));
        Assert.Equal($"{newKeyFile}: key {newId}\n", generated.Output);

        // The tests' own client holds both keys throughout, as an operator's halonctl may during the roll.
        _cluster.ClientSecurity = TransportSecurity.WithKeys(new ClusterKeys(Old, newKey));

        // Step 1: each node in turn gets the new key as its next key.
        for (var i = 0; i < nodes.Count; i++)
        {
            nodes[i] = await _cluster.RestartWithAsync(nodes[i], "--cluster-key-file-next", newKeyFile);
            await _cluster.WaitForSteadyStationAsync(nodes);
            for (var j = 0; j < nodes.Count; j++)
            {
                // Two nodes that both hold the new key use it; with any other node, the old one.
                var expected = nodes.Where((_, k) => k != j).ToDictionary(n => n.Listen.Value, n => i >= Math.Max(j, nodes.IndexOf(n)) ? newId : oldId);
                await WaitForPeerKeysAsync(nodes[j], expected);
            }
        }

        // Every node holds both keys; halonctl shows it, and all peer connections use the new key.
        var status = await Ctl.RunAsync("status", "--node", nodes[0].Listen.Value, "--cluster-key-file", _cluster.KeyFile!, "--cluster-key-file-next", newKeyFile, "--json");
        Assert.True(status.ExitCode == 0, status.ToString());
        using (var json = JsonDocument.Parse(status.Output))
        {
            var keys = json.RootElement.GetProperty("security").GetProperty("keys").EnumerateArray().Select(k => (k.GetProperty("id").GetString(), k.GetProperty("use").GetString())).ToList();
            Assert.Equal([(oldId, "current"), (newId, "next")], keys);
            var byKey = json.RootElement.GetProperty("connections_by_key").EnumerateArray().ToList();
            Assert.Equal(newId, Assert.Single(byKey).GetProperty("key_id").GetString());
        }

        // Step 2: each node in turn keeps the new key only.
        foreach (var i in Enumerable.Range(0, nodes.Count))
        {
            nodes[i] = await _cluster.RestartWithAsync(nodes[i], "--cluster-key-file", newKeyFile);
            await _cluster.WaitForSteadyStationAsync(nodes);
        }

        foreach (var node in nodes)
        {
            await WaitForPeerKeysAsync(node, nodes.Where(n => n != node).ToDictionary(n => n.Listen.Value, _ => newId));
        }

        // The old key no longer opens anything.
        var refused = await Ctl.RunAsync("status", "--node", nodes[1].Listen.Value, "--cluster-key-file", _cluster.KeyFile!);
        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains($"wrong cluster key: this side offers key {oldId}, the node holds key {newId}", refused.Errors, StringComparison.Ordinal);
    }

    /// <summary>Waits until <paramref name="node"/>'s connections to each peer (both directions) use the expected key.</summary>
    private async Task WaitForPeerKeysAsync(LocalDaemon node, IReadOnlyDictionary<string, string> expected)
    {
        var deadline = DateTime.UtcNow + TestCluster.WaitTimeout;
        var last = "nothing yet";
        while (DateTime.UtcNow < deadline)
        {
            var (report, error) = await _cluster.TryReportAsync(node.Listen);
            if (report is not null)
            {
                var peers = report.Transport.Connections.Where(c => c.Peer != "halonctl").ToList();
                last = string.Join(", ", peers.Select(c => $"{c.Peer} {c.Direction} {c.KeyId}"));
                if (expected.All(e => peers.Count(c => c.Peer == e.Key) == 2 && peers.Where(c => c.Peer == e.Key).All(c => c.KeyId == e.Value)))
                {
                    return;
                }
            }
            else
            {
                last = error!;
            }

            await Task.Delay(50);
        }

        throw new TimeoutException($"{node.Listen}: connections did not use the expected keys ({string.Join(", ", expected.Select(e => $"{e.Key} {e.Value}"))}); last: {last}\n{_cluster.Logs()}");
    }
}
