using System.Text.Json;
using System.Text.RegularExpressions;
using Halon.Core.Identity;
using Halon.Core.Status;

namespace Halon.Hosts.Tests;

/// <summary>Bootstrapping a tracking station with halonctl against real halond processes.</summary>
public sealed class StationBootstrapTests : IDisposable
{
    private readonly TestCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    public async Task A_coordinated_bootstrap_starts_one_coordinator_that_every_peer_knows(int peerCount)
    {
        var peers = await _cluster.StartAsync(peerCount);

        var result = await Ctl.RunAsync("bootstrap", "station", "--peers", TestCluster.List(peers), "--wait", "--timeout", "60s");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(peerCount, Regex.Count(result.Output, "is now a peer of station"));
        var printed = Regex.Match(result.Output, @"master (\S+), coordinator epoch (\d+)");
        Assert.True(printed.Success, result.ToString());
        var station = await _cluster.WaitForSteadyStationAsync(peers);
        Assert.Equal("master", station.Master.State);
        Assert.Equal(station.Master.Term, station.Coordinator.Epoch);
        Assert.Equal(peerCount - 1, station.Followers.Count());
        Assert.All(station.Followers, f => Assert.Equal(station.Coordinator.Node, f.Leader));
    }

    [Fact]
    public async Task Status_json_of_a_bootstrapped_peer_has_the_contract_fields()
    {
        var peers = await _cluster.StartAsync(3);
        var bootstrap = await Ctl.RunAsync("bootstrap", "station", "--peers", TestCluster.List(peers), "--wait", "--timeout", "60s");
        Assert.True(bootstrap.ExitCode == 0, bootstrap.ToString());
        // An election between the steady round of status calls and halonctl's own call (a loaded machine) moves the
        // master; then the check is taken again against the new one.
        CoordinatorInfo coordinator;
        CtlResult result;
        CtlResult table;
        var attempts = 0;
        do
        {
            coordinator = (await _cluster.WaitForSteadyStationAsync(peers)).Coordinator;
            result = await Ctl.RunAsync("status", "--node", coordinator.Node, "--json");
            table = await Ctl.RunAsync("status", "--node", coordinator.Node);
        }
        while (++attempts < 5 && result.ExitCode == 0
            && (TermIn(result.Output) != coordinator.Epoch || !table.Output.Contains($"(epoch {coordinator.Epoch})", StringComparison.Ordinal)));

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Output);
        var root = json.RootElement;
        Assert.Equal(coordinator.Node, root.GetProperty("node").GetString());
        Assert.Equal("station", root.GetProperty("role").GetString());
        Assert.Equal(TestCluster.StationId(peers), root.GetProperty("cluster_id").GetString());
        Assert.Equal("master", root.GetProperty("state").GetString());
        Assert.Equal(coordinator.Epoch, root.GetProperty("term").GetInt64());
        Assert.Equal(coordinator.Node, root.GetProperty("leader").GetString());
        Assert.Equal(coordinator.Node, root.GetProperty("coordinator").GetProperty("node").GetString());
        Assert.Equal(coordinator.Epoch, root.GetProperty("coordinator").GetProperty("epoch").GetInt64());
        var peerViews = root.GetProperty("peers").EnumerateArray().ToList();
        Assert.Equal(3, peerViews.Count);
        Assert.All(peerViews, p => Assert.True(p.GetProperty("reachable").GetBoolean(), p.ToString()));
        Assert.All(peerViews, p => Assert.False(string.IsNullOrEmpty(p.GetProperty("state").GetString())));
        Assert.Equal(JsonValueKind.Array, root.GetProperty("satellites").ValueKind);

        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("PEER", table.Output, StringComparison.Ordinal);
        Assert.Contains($"coordinator  {coordinator.Node} (epoch {coordinator.Epoch})", table.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_uncoordinated_bootstrap_one_node_at_a_time_in_shuffled_order_and_repeated_converges()
    {
        var peers = await _cluster.StartAsync(3);
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var order = peers.OrderBy(_ => random.Next()).ToList();
        var peerList = TestCluster.List(peers);

        // The first node alone waits for quorum and says exactly who is missing and why.
        var first = await Ctl.RunAsync("bootstrap", "station", "--peers", peerList, "--on", order[0].Listen.Value);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("is now a peer of station", first.Output, StringComparison.Ordinal);
        var waiting = await _cluster.WaitForAsync(
            order[0],
            s => s.State == "waiting-for-quorum" && s.Peers.Count(p => !p.Reachable && p.State == "no supervisor yet") == 2,
            "waiting for quorum with the two others shown as 'no supervisor yet'");
        Assert.Contains($"{order[1].Listen} no supervisor yet", waiting.MissingSummary(), StringComparison.Ordinal);

        // The rest, in shuffled order, each given the peers in its own order; then everything once more.
        var runs = order.Skip(1).Select(n => (Node: n, Expected: "is now a peer of station"))
            .Concat(order.OrderBy(_ => random.Next()).Select(n => (Node: n, Expected: "is already a peer of station")));
        foreach (var (node, expected) in runs)
        {
            var list = string.Join(',', peers.Select(p => p.Listen.Value).OrderBy(_ => random.Next()));
            var result = await Ctl.RunAsync("bootstrap", "station", "--peers", list, "--on", node.Listen.Value);
            Assert.True(result.ExitCode == 0, $"seed {seed}\n{result}");
            Assert.True(result.Output.Contains(expected, StringComparison.Ordinal), $"seed {seed}: expected '{expected}'\n{result}");
        }

        // Waiting from the node itself, as pdsh on each host would: addressed as localhost, not by its id.
        var local = $"localhost:{order[2].Listen.Port}";
        var wait = await Ctl.RunAsync("bootstrap", "station", "--peers", peerList, "--on", local, "--wait", "--timeout", "60s");
        Assert.True(wait.ExitCode == 0, $"seed {seed}\n{wait}");
        Assert.Contains("already a peer", wait.Output, StringComparison.Ordinal);
        Assert.Matches(@"master \S+, coordinator epoch \d+", wait.Output);
        await _cluster.WaitForCoordinatorAsync(peers);
    }

    [Fact]
    public async Task Repeating_a_bootstrap_changes_nothing_and_says_already()
    {
        var peers = await _cluster.StartAsync(3);
        var peerList = TestCluster.List(peers);
        var first = await Ctl.RunAsync("bootstrap", "station", "--peers", peerList, "--wait", "--timeout", "60s");
        Assert.True(first.ExitCode == 0, first.ToString());
        var coordinator = await _cluster.WaitForCoordinatorAsync(peers);

        var again = await Ctl.RunAsync("bootstrap", "station", "--peers", peerList);
        var againJson = await Ctl.RunAsync("bootstrap", "station", "--peers", peerList, "--wait", "--json");

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Equal(3, Regex.Count(again.Output, "is already a peer of station"));
        Assert.True(againJson.ExitCode == 0, againJson.ToString());
        using var json = JsonDocument.Parse(againJson.Output);
        var results = json.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(3, results.Count);
        Assert.All(results, r => Assert.True(r.GetProperty("succeeded").GetBoolean()));
        Assert.All(results, r => Assert.False(r.GetProperty("changed").GetBoolean()));
        Assert.True(json.RootElement.GetProperty("done").GetBoolean());
        var after = await _cluster.WaitForCoordinatorAsync(peers);
        Assert.True(after.Epoch >= coordinator.Epoch, "a repeated bootstrap must not set the station back");
    }

    [Fact]
    public async Task A_bootstrap_whose_answer_was_lost_is_confirmed_on_a_retry_not_reported_as_done_before()
    {
        var peers = await _cluster.StartAsync(3);
        // The first connection to peers[0] loses the answer to its fourth frame: after Hello and Proof, halonctl looks
        // at the node's status (frame 3), then sends the bootstrap (frame 4), which takes effect unanswered.
        using var lossy = new SlowProxy(peers[0].Listen, TimeSpan.Zero, loseAnswerToFrame: 4);
        var on = $"{lossy.Address},{peers[1].Listen},{peers[2].Listen}";

        var result = await Ctl.RunAsync("bootstrap", "station", "--peers", TestCluster.List(peers), "--on", on, "--wait", "--timeout", "60s");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(lossy.AnswerLost, "the proxy never lost an answer, so this test tested nothing");
        Assert.Contains($"{peers[0].Listen} is a peer of station", result.Output, StringComparison.Ordinal);
        Assert.Contains("(confirmed on a retry: the answer to the first attempt was lost, and that attempt may have done it)", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain($"{peers[0].Listen} is already", result.Output, StringComparison.Ordinal);
        Assert.Matches(@"master \S+, coordinator epoch \d+", result.Output);
    }

    [Fact]
    public async Task A_node_asked_to_join_a_different_peer_set_refuses_and_the_message_names_both_sets()
    {
        var nodes = await _cluster.StartAsync(4);
        var original = nodes.Take(3).ToList();
        var bootstrap = await Ctl.RunAsync("bootstrap", "station", "--peers", TestCluster.List(original), "--wait", "--timeout", "60s");
        Assert.True(bootstrap.ExitCode == 0, bootstrap.ToString());
        var coordinator = await _cluster.WaitForCoordinatorAsync(original);
        var originalSet = PeerSet.Create(original.Select(n => n.Listen));
        var otherSet = PeerSet.Create([nodes[0].Listen, nodes[1].Listen, nodes[3].Listen]);

        var refused = await Ctl.RunAsync("bootstrap", "station", "--peers", otherSet.ToString(), "--wait", "--timeout", "10s");

        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains(originalSet.ToString(), refused.Errors, StringComparison.Ordinal);
        Assert.Contains(otherSet.ToString(), refused.Errors, StringComparison.Ordinal);
        Assert.Contains("refusing", refused.Errors, StringComparison.Ordinal);
        // Nothing changed: the free node did not join the doomed set, and the station still has its coordinator.
        // (Not the same epoch: on a loaded CI machine a stalled heartbeat may cause an election meanwhile.)
        var free = await _cluster.StatusAsync(nodes[3]);
        Assert.Equal("none", free.Role);
        var after = await _cluster.WaitForCoordinatorAsync(original);
        Assert.Contains(after.Node, original.Select(n => n.Listen.Value));
        Assert.True(after.Epoch >= coordinator.Epoch);
        foreach (var node in original)
        {
            Assert.Equal(TestCluster.StationId(originalSet), (await _cluster.StatusAsync(node)).ClusterId);
        }
    }

    [Fact]
    public async Task A_waiting_bootstrap_says_what_is_missing_and_picks_up_nodes_that_start_later()
    {
        var first = await _cluster.StartAsync(1);
        var late = Halon.Ctl.Demo.FreePorts.Take(2).Select(p => $"127.0.0.1:{p}").ToList();
        var peerList = string.Join(',', late.Prepend(first[0].Listen.Value));

        var timedOut = await Ctl.RunAsync("bootstrap", "station", "--peers", peerList, "--wait", "--timeout", "1500ms");

        Assert.True(timedOut.ExitCode == 1, timedOut.ToString());
        Assert.Contains("timed out after 1.5s; still missing:", timedOut.Errors, StringComparison.Ordinal);
        Assert.Contains("quorum 1/3 (need 2)", timedOut.Errors, StringComparison.Ordinal);
        Assert.Contains($"{late[0]}: connection refused", timedOut.Errors, StringComparison.Ordinal);
        Assert.Contains($"{late[1]}: connection refused", timedOut.Errors, StringComparison.Ordinal);

        // halonctl finds the two nodes down and keeps trying; they come up while it waits.
        using var waiting = Ctl.Start(null, "bootstrap", "station", "--peers", peerList, "--wait", "--timeout", "60s");
        await waiting.WaitForErrorsAsync("quorum 1/3 (need 2)", TestCluster.WaitTimeout);
        var others = await StartOnPortsAsync(late);
        var result = await waiting.Completion;

        Assert.True(result.ExitCode == 0, result.ToString() + _cluster.Logs());
        Assert.Contains("connection refused; trying again until the timeout", result.Errors, StringComparison.Ordinal);
        Assert.Matches(@"master \S+, coordinator epoch \d+", result.Output);
        await _cluster.WaitForCoordinatorAsync([first[0], .. others]);
    }

    private async Task<List<Halon.Ctl.Demo.LocalDaemon>> StartOnPortsAsync(IReadOnlyList<string> addresses)
    {
        var nodes = new List<Halon.Ctl.Demo.LocalDaemon>();
        foreach (var address in addresses)
        {
            nodes.Add(await _cluster.StartAtAsync(NodeId.Parse(address)));
        }

        return nodes;
    }

    private static long? TermIn(string statusJson)
    {
        try
        {
            using var json = JsonDocument.Parse(statusJson);
            return json.RootElement.TryGetProperty("term", out var term) && term.TryGetInt64(out var value) ? value : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
