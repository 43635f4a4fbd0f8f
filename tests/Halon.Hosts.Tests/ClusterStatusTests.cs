using System.Diagnostics;
using System.Text.Json;
using Halon.Core.Identity;

namespace Halon.Hosts.Tests;

/// <summary><c>halonctl status --cluster</c> and <c>halonctl health</c> against real halond processes.</summary>
public sealed class ClusterStatusTests : IDisposable
{
    private readonly TestCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task Status_cluster_shows_every_peer_and_satellite_in_one_document_that_agrees_with_the_station()
    {
        var (peers, satellites) = await StationWithSatellitesAsync(3, 2);

        // On a loaded machine an election may fall between two calls; the document is taken again until it reads as
        // one steady station, which it must do within the generous bound.
        var (result, root) = await UntilAsync(["status", "--cluster", "--satellites", "--node", satellites[0].Listen.Value, "--json"], r => r.GetProperty("healthy").GetBoolean());

        Assert.True(result.ExitCode == 0, result.ToString());
        var peerSet = PeerSet.Create(peers.Select(p => p.Listen));
        Assert.Equal(TestCluster.StationId(peerSet), root.GetProperty("cluster_id").GetString());
        var master = root.GetProperty("master").GetString();
        var epoch = root.GetProperty("coordinator").GetProperty("epoch").GetInt64();
        Assert.Equal(master, root.GetProperty("coordinator").GetProperty("node").GetString());
        Assert.Equal(epoch, root.GetProperty("term").GetInt64());
        Assert.Equal(3, root.GetProperty("quorum").GetProperty("answering").GetInt32());
        var members = root.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(peerSet.Members.Select(m => m.Value), members.Select(m => m.GetProperty("node").GetString()));
        foreach (var member in members)
        {
            Assert.True(member.GetProperty("reachable").GetBoolean());
            Assert.Equal("station", member.GetProperty("role").GetString());
            Assert.Equal(epoch, member.GetProperty("term").GetInt64());
            Assert.Equal(master, member.GetProperty("master").GetString());
            Assert.Equal(epoch, member.GetProperty("coordinator_epoch").GetInt64());
            Assert.True(member.GetProperty("lag_entries").GetInt64() >= 0);
            Assert.Equal(2, member.GetProperty("satellites_acknowledged").GetInt32());
            Assert.Equal(0, member.GetProperty("problems").GetArrayLength());
            var isMaster = member.GetProperty("node").GetString() == master;
            Assert.Equal(isMaster ? "master" : "follower", member.GetProperty("state").GetString());
            Assert.Equal(isMaster ? JsonValueKind.Null : JsonValueKind.Number, member.GetProperty("last_contact_ms").ValueKind);
        }

        var satelliteRows = root.GetProperty("satellites").EnumerateArray().ToList();
        Assert.Equal(satellites.Select(s => s.Listen.Value).Order(), satelliteRows.Select(s => s.GetProperty("node").GetString()).Order());
        Assert.All(satelliteRows, s => Assert.True(s.GetProperty("acknowledged").GetBoolean()));
        Assert.All(satelliteRows, s => Assert.Equal(JsonValueKind.Null, s.GetProperty("reported_station").ValueKind));

        var table = await Ctl.RunAsync("status", "--cluster", "--node", peers[1].Listen.Value);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains($"station {TestCluster.StationId(peerSet)} ({peerSet})", table.Output, StringComparison.Ordinal);
        Assert.Contains("LAST CONTACT", table.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_is_0_for_a_steady_station_warns_about_a_dead_follower_and_fails_without_quorum()
    {
        var (peers, _) = await StationWithSatellitesAsync(3, 0);
        var (healthy, _) = await UntilAsync(["health", "--node", peers[0].Listen.Value, "--json"], r => r.GetProperty("healthy").GetBoolean());
        Assert.True(healthy.ExitCode == 0, healthy.ToString());
        var text = await UntilTextAsync(["health", "--node", TestCluster.List(peers)], r => r.ExitCode == 0);
        Assert.StartsWith("healthy: ", text.Output, StringComparison.Ordinal);
        Assert.Contains("3/3 peers answer (quorum 2)", text.Output, StringComparison.Ordinal);

        // One follower down: the station keeps quorum, so health still passes, with a warning naming it.
        var steady = await _cluster.WaitForSteadyStationAsync(peers);
        var follower = _cluster.NodeOf(new Halon.Core.Status.CoordinatorInfo(steady.Followers.First().Node, 0));
        follower.Kill();
        var live = peers.Where(p => p != follower).ToList();
        var (degraded, degradedJson) = await UntilAsync(
            ["health", "--node", TestCluster.List(live), "--json"],
            r => r.GetProperty("healthy").GetBoolean() && r.GetProperty("warnings").GetArrayLength() > 0);
        Assert.True(degraded.ExitCode == 0, degraded.ToString());
        var warning = degradedJson.GetProperty("warnings")[0];
        Assert.Equal("unreachable", warning.GetProperty("code").GetString());
        Assert.Equal(follower.Listen.Value, warning.GetProperty("node").GetString());

        // A second peer down: no quorum, no coordinator; health fails and says so.
        live[0].Kill();
        var (failed, failedJson) = await UntilAsync(
            ["health", "--node", live[1].Listen.Value, "--json"],
            r => !r.GetProperty("healthy").GetBoolean() && Codes(r).Contains("no-coordinator"));
        Assert.True(failed.ExitCode == 1, failed.ToString());
        Assert.Contains("no-quorum", Codes(failedJson));
        var failedText = await Ctl.RunAsync("health", "--node", live[1].Listen.Value);
        Assert.True(failedText.ExitCode == 1, failedText.ToString());
        Assert.StartsWith("unhealthy: ", failedText.Output, StringComparison.Ordinal);
        Assert.Contains("unhealthy: no-quorum: 1 of 3 peers answer", failedText.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_fails_when_a_peer_of_the_set_answers_as_a_peer_of_another_station()
    {
        var nodes = await _cluster.StartAsync(3);
        var peerList = TestCluster.List(nodes);
        // Two of the three peers form the station (a quorum of 2); the third was made a one-peer station of its own.
        var two = await Ctl.RunAsync("bootstrap", "station", "--peers", peerList, "--on", TestCluster.List(nodes.Take(2)), "--wait", "--timeout", "60s");
        Assert.True(two.ExitCode == 0, two.ToString());
        var alone = await Ctl.RunAsync("bootstrap", "station", "--peers", nodes[2].Listen.Value, "--wait", "--timeout", "60s");
        Assert.True(alone.ExitCode == 0, alone.ToString());

        var (result, root) = await UntilAsync(["health", "--node", nodes[0].Listen.Value, "--json"], r => Codes(r).Contains("different-cluster"));

        Assert.True(result.ExitCode == 1, result.ToString());
        var problem = root.GetProperty("problems").EnumerateArray().First(p => p.GetProperty("code").GetString() == "different-cluster");
        Assert.Equal(nodes[2].Listen.Value, problem.GetProperty("node").GetString());
        Assert.Contains(TestCluster.StationId(PeerSet.Create([nodes[2].Listen])), problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private async Task<(IReadOnlyList<Halon.Ctl.Demo.LocalDaemon> Peers, IReadOnlyList<Halon.Ctl.Demo.LocalDaemon> Satellites)> StationWithSatellitesAsync(int peerCount, int satelliteCount)
    {
        var peers = await _cluster.StartAsync(peerCount);
        var satellites = satelliteCount > 0 ? await _cluster.StartAsync(satelliteCount) : [];
        var station = await Ctl.RunAsync("bootstrap", "station", "--peers", TestCluster.List(peers), "--wait", "--timeout", "60s");
        Assert.True(station.ExitCode == 0, station.ToString());
        if (satelliteCount > 0)
        {
            var result = await Ctl.RunAsync("bootstrap", "satellite", "--station", TestCluster.List(peers), "--on", TestCluster.List(satellites), "--wait", "--timeout", "60s");
            Assert.True(result.ExitCode == 0, result.ToString());
        }

        return (peers, satellites);
    }

    /// <summary>Runs halonctl until its JSON satisfies <paramref name="condition"/>, within the generous bound.</summary>
    private async Task<(CtlResult Result, JsonElement Root)> UntilAsync(string[] arguments, Func<JsonElement, bool> condition)
    {
        var clock = Stopwatch.StartNew();
        CtlResult? last = null;
        while (clock.Elapsed < TestCluster.WaitTimeout)
        {
            last = await Ctl.RunAsync(arguments);
            try
            {
                var root = JsonDocument.Parse(last.Output).RootElement;
                if (root.TryGetProperty("members", out _) && condition(root))
                {
                    return (last, root);
                }
            }
            catch (JsonException)
            {
                // Not a document yet; try again.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"halonctl never printed what was expected within {TestCluster.WaitTimeout.TotalSeconds:0} s; last:\n{last}\n{_cluster.Logs()}");
    }

    /// <summary>Runs halonctl until <paramref name="condition"/> holds for its result, within the generous bound.</summary>
    private async Task<CtlResult> UntilTextAsync(string[] arguments, Func<CtlResult, bool> condition)
    {
        var clock = Stopwatch.StartNew();
        CtlResult? last = null;
        while (clock.Elapsed < TestCluster.WaitTimeout)
        {
            last = await Ctl.RunAsync(arguments);
            if (condition(last))
            {
                return last;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"halonctl never printed what was expected within {TestCluster.WaitTimeout.TotalSeconds:0} s; last:\n{last}\n{_cluster.Logs()}");
    }

    private static List<string> Codes(JsonElement root) =>
        root.GetProperty("problems").EnumerateArray().Select(p => p.GetProperty("code").GetString()!).ToList();
}
