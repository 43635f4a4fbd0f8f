using System.Diagnostics;
using System.Text.Json;
using Halon.Core.Identity;
using Halon.Core.Protocol;
using Halon.Core.Status;
using Halon.Ctl.Demo;
using Halon.Transport.Tcp;

namespace Halon.Hosts.Tests;

/// <summary>
/// halonctl station add, remove and replace against real halond processes: a peer added becomes a voter, a peer removed
/// shows state removed and leaves the station in peace, a dead peer is replaced while the coordinator and every
/// satellite stay, and the station's refusals reach the operator with their reason. The stations run with the wan
/// timing (a 1.3 s lease): what is checked is that a change never costs the coordinator, and on a loaded 2-core machine
/// the lan timing's 200 ms lease is lost now and then to a starved process, change or no change.
/// </summary>
public sealed class MembershipTests : IDisposable
{
    private readonly TestCluster _cluster = new();

    public void Dispose() => _cluster.Dispose();

    [Fact]
    public async Task A_peer_is_added_as_a_voter_and_another_removed_while_the_coordinator_stays()
    {
        var peers = await _cluster.StartAsync(3);
        var others = await _cluster.StartAsync(2);
        var (fourth, satellite) = (others[0], others[1]);
        var station = TestCluster.List(peers);
        await BootstrapAsync(station, satellite);
        var before = await _cluster.WaitForSteadyStationAsync(peers);

        // A dry run contacts no node (the address given is dead) and prints the plan.
        var dry = await Ctl.RunAsync("station", "add", fourth.Listen.Value, "--peers", "127.0.0.1:1", "--dry-run", "--json");
        Assert.True(dry.ExitCode == 0, dry.ToString());
        using (var json = JsonDocument.Parse(dry.Output))
        {
            var root = json.RootElement;
            Assert.True(root.GetProperty("dry_run").GetBoolean());
            Assert.Equal($"add {fourth.Listen}", root.GetProperty("change").GetString());
            Assert.Equal("add", root.GetProperty("kind").GetString());
            Assert.Equal(fourth.Listen.Value, root.GetProperty("joins").GetString());
            Assert.Equal(JsonValueKind.Null, root.GetProperty("leaves").ValueKind);
            Assert.Equal(["127.0.0.1:1"], root.GetProperty("station").EnumerateArray().Select(e => e.GetString()));
            Assert.Contains(root.GetProperty("steps").EnumerateArray(), s => s.GetString()!.Contains("promotes", StringComparison.Ordinal));
        }

        Assert.Equal("none", (await _cluster.StatusAsync(fourth)).Role);

        var add = await Ctl.RunAsync("station", "add", fourth.Listen.Value, "--peers", station, "--wait", "--json", "--timeout", "60s");

        Assert.True(add.ExitCode == 0, add + _cluster.Logs());
        using (var json = JsonDocument.Parse(add.Output))
        {
            var root = json.RootElement;
            Assert.Equal("appended", root.GetProperty("outcome").GetString());
            Assert.True(root.GetProperty("done").GetBoolean());
            Assert.True(root.GetProperty("join").GetProperty("succeeded").GetBoolean());
            Assert.Equal(3, Voters(root.GetProperty("configuration_before")).Count);
            Assert.Equal(Sorted([.. peers, fourth]), Sorted(Voters(root.GetProperty("configuration_after"))));
            Assert.True(root.GetProperty("configuration_after").GetProperty("committed").GetBoolean());
            Assert.Equal(before.Coordinator.Node, root.GetProperty("master").GetString());
            Assert.Equal(0, root.GetProperty("exit_code").GetInt32());
        }

        var four = peers.Append(fourth).ToList();
        var grown = await _cluster.WaitForSteadyStationAsync(four);
        Assert.Equal(before.Coordinator, grown.Coordinator);
        Assert.All(grown.Views, v => Assert.Equal(4, v.Configuration!.Voters.Count));
        Assert.Equal(before.Master.ClusterId, (await _cluster.StatusAsync(fourth)).ClusterId);

        // Repeating it changes nothing and succeeds.
        var again = await Ctl.RunAsync("station", "add", fourth.Listen.Value, "--peers", station, "--json");
        Assert.True(again.ExitCode == 0, again.ToString());
        using (var json = JsonDocument.Parse(again.Output))
        {
            Assert.Equal("already-done", json.RootElement.GetProperty("outcome").GetString());
            Assert.True(json.RootElement.GetProperty("done").GetBoolean());
        }

        // status --json shows the configuration, and keeps every field outside tools read.
        var status = await Ctl.RunAsync("status", "--node", fourth.Listen.Value, "--json");
        Assert.True(status.ExitCode == 0, status.ToString());
        using (var json = JsonDocument.Parse(status.Output))
        {
            var root = json.RootElement;
            foreach (var field in new[] { "node", "role", "cluster_id", "term", "state", "leader", "coordinator", "peers", "satellites" })
            {
                Assert.True(root.TryGetProperty(field, out _), $"status --json lacks {field}");
            }

            var configuration = root.GetProperty("configuration");
            Assert.Contains(fourth.Listen.Value, Voters(configuration));
            Assert.Equal(0, configuration.GetProperty("learners").GetArrayLength());
            Assert.Equal(0, configuration.GetProperty("retiring").GetArrayLength());
            Assert.True(configuration.GetProperty("index").GetInt64() > 0);
            Assert.True(configuration.GetProperty("committed").GetBoolean());
            Assert.Equal(string.Empty, configuration.GetProperty("change").GetString());
            Assert.False(root.GetProperty("left_station").GetBoolean());
        }

        // Remove a follower, asking the new peer: halonctl follows it to the master.
        var leaving = peers.First(p => p.Listen.Value != before.Coordinator.Node);
        var remove = await Ctl.RunAsync("station", "remove", leaving.Listen.Value, "--node", fourth.Listen.Value, "--wait", "--timeout", "60s");

        Assert.True(remove.ExitCode == 0, remove + _cluster.Logs());
        Assert.Contains($"done: {leaving.Listen} is out of the station", remove.Output, StringComparison.Ordinal);
        var removed = await _cluster.WaitForAsync(leaving, s => s.State == "removed", "the removed peer stopping its supervisor");
        Assert.True(removed.LeftStation);
        Assert.Null(removed.Coordinator);
        await _cluster.WaitForLogLineAsync(leaving, "LEFT THE STATION");
        var text = await Ctl.RunAsync("status", "--node", leaving.Listen.Value);
        Assert.Matches(@"(?m)^state\s+removed$", text.Output);

        var remaining = four.Where(p => p != leaving).ToList();
        var shrunk = await _cluster.WaitForSteadyStationAsync(remaining);
        Assert.Equal(before.Coordinator, shrunk.Coordinator);
        Assert.All(shrunk.Views, v => Assert.DoesNotContain(leaving.Listen.Value, v.Configuration!.Voters));
        Assert.Contains(shrunk.Master.Satellites, s => s.Node == satellite.Listen.Value && s.Acknowledged);

        // The removed peer leaves the station in peace, running and restarted alike, and its log stays quiet.
        var lines = leaving.LogLines.Count;
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.True(leaving.LogLines.Count - lines <= 2, string.Join('\n', leaving.LogLines.Skip(lines)));
        leaving = await _cluster.RestartWithAsync(leaving);
        Assert.Equal("removed", (await _cluster.WaitForAsync(leaving, s => s.Role == "station", "the removed peer restarted")).State);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal("removed", (await _cluster.StatusAsync(leaving)).State);
        Assert.Equal(before.Coordinator, (await _cluster.WaitForSteadyStationAsync(remaining)).Coordinator);

        var removeAgain = await Ctl.RunAsync("station", "remove", leaving.Listen.Value, "--node", fourth.Listen.Value, "--json");
        Assert.True(removeAgain.ExitCode == 0, removeAgain.ToString());
        using (var json = JsonDocument.Parse(removeAgain.Output))
        {
            Assert.Equal("already-done", json.RootElement.GetProperty("outcome").GetString());
        }
    }

    [Fact]
    public async Task A_dead_peer_is_replaced_while_the_coordinator_and_every_satellite_stay()
    {
        var peers = await _cluster.StartAsync(3);
        var satellites = await _cluster.StartAsync(2);
        var station = TestCluster.List(peers);
        await BootstrapAsync(station, [.. satellites]);
        var before = await _cluster.WaitForSteadyStationAsync(peers);

        // kill -9 a peer and wipe its host: its data dir is gone. Its replacement is a new halond at a new address.
        var dead = peers.First(p => p.Listen.Value != before.Coordinator.Node);
        dead.Kill();
        Directory.Delete(dead.DataDir, recursive: true);
        var replacement = (await _cluster.StartAsync(1))[0];
        var live = peers.Where(p => p != dead).ToList();

        using var watching = new CancellationTokenSource();
        var watch = WatchAsync(live, satellites, before.Coordinator, watching.Token);
        var replace = await Ctl.RunAsync("station", "replace", dead.Listen.Value, replacement.Listen.Value, "--peers", station, "--wait", "--json", "--timeout", "60s");
        var after = await _cluster.WaitForSteadyStationAsync([.. live, replacement]);
        await watching.CancelAsync();
        var watched = await watch;

        Assert.True(replace.ExitCode == 0, replace + _cluster.Logs());
        using (var json = JsonDocument.Parse(replace.Output))
        {
            var root = json.RootElement;
            Assert.Equal("appended", root.GetProperty("outcome").GetString());
            Assert.True(root.GetProperty("done").GetBoolean());
            Assert.Equal(dead.Listen.Value, root.GetProperty("old").GetString());
            Assert.Equal(replacement.Listen.Value, root.GetProperty("new").GetString());
            Assert.Equal(Sorted([.. live, replacement]), Sorted(Voters(root.GetProperty("configuration_after"))));
        }

        Assert.True(watched.Problems.Count == 0, string.Join('\n', watched.Problems) + "\n" + _cluster.Logs());
        Assert.True(watched.Rounds >= 3, $"only {watched.Rounds} rounds of status were seen during the replacement");
        Assert.Equal(before.Coordinator, after.Coordinator);
        foreach (var view in after.Views)
        {
            Assert.Contains(replacement.Listen.Value, view.Configuration!.Voters);
            Assert.DoesNotContain(dead.Listen.Value, view.Configuration.Voters);
            Assert.Empty(view.Configuration.Learners);
            Assert.Empty(view.Configuration.Retiring);
        }

        Assert.Equal(Sorted(satellites), Sorted(after.Master.Satellites.Where(s => s.Acknowledged).Select(s => s.Node)));
        foreach (var satellite in satellites)
        {
            Assert.True((await _cluster.StatusAsync(satellite)).Announcer!.Acknowledged);
        }

        // The replacement holds the whole history: it has every satellite in its table.
        var newPeer = after.Views.Single(v => v.Node == replacement.Listen.Value);
        Assert.Equal(2, newPeer.Satellites.Count(s => s.Acknowledged));
        var again = await Ctl.RunAsync("station", "replace", dead.Listen.Value, replacement.Listen.Value, "--peers", station, "--json");
        Assert.True(again.ExitCode == 0, again.ToString());
        using (var json = JsonDocument.Parse(again.Output))
        {
            Assert.Equal("already-done", json.RootElement.GetProperty("outcome").GetString());
        }
    }

    [Fact]
    public async Task Changes_that_would_risk_the_quorum_or_overlap_are_refused_with_the_reason()
    {
        var peers = await _cluster.StartAsync(2);
        var others = await _cluster.StartAsync(2);
        var (learner, spare) = (others[0], others[1]);
        var station = TestCluster.List(peers);
        Assert.Equal(0, (await Ctl.RunAsync("bootstrap", "station", "--peers", station, "--timing", "wan", "--wait", "--timeout", "60s")).ExitCode);
        var steady = await _cluster.WaitForSteadyStationAsync(peers);

        // A station of two voters does not lose one.
        var shrink = await Ctl.RunAsync("station", "remove", peers[1].Listen.Value, "--peers", station, "--json");
        Assert.True(shrink.ExitCode == 1, shrink.ToString());
        using (var json = JsonDocument.Parse(shrink.Output))
        {
            Assert.Equal("refused", json.RootElement.GetProperty("outcome").GetString());
            Assert.Contains("at least 2", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Equal(1, json.RootElement.GetProperty("exit_code").GetInt32());
        }

        Assert.Contains("at least 2", shrink.Errors, StringComparison.Ordinal);

        // A learner that joined and died before catching up keeps its change in flight.
        var master = _cluster.NodeOf(steady.Coordinator);
        await using (var client = await ControlClient.ConnectAsync(learner.Listen, _cluster.Security, TimeSpan.FromSeconds(10)))
        {
            Assert.True((await client.JoinStationAsync(steady.Master.ClusterId!, steady.Master.Timing!, PeerSet.Parse(station))).Succeeded);
        }

        learner.Kill();
        await using (var client = await ControlClient.ConnectAsync(master.Listen, _cluster.Security, TimeSpan.FromSeconds(10)))
        {
            Assert.Equal(MembershipOutcome.Appended, (await client.ChangeStationAsync(new AddPeer(learner.Listen))).Outcome);
        }

        var overlap = await Ctl.RunAsync("station", "remove", peers[0].Listen.Value, "--peers", station);
        Assert.True(overlap.ExitCode == 1, overlap.ToString());
        Assert.Contains("one change at a time", overlap.Errors, StringComparison.Ordinal);
        Assert.Contains("failed: refused by the master", overlap.Output, StringComparison.Ordinal);

        // Refused before the new node is told anything: it keeps no role.
        var busyAdd = await Ctl.RunAsync("station", "add", spare.Listen.Value, "--peers", station);
        Assert.True(busyAdd.ExitCode == 1, busyAdd.ToString());
        Assert.Contains("one change at a time", busyAdd.Errors, StringComparison.Ordinal);
        Assert.True((await _cluster.StatusAsync(spare)).Role == "none", busyAdd.ToString() + TestCluster.Describe(await _cluster.StatusAsync(spare)));

        // The stuck learner can be removed; then the station takes changes again.
        var unstick = await Ctl.RunAsync("station", "remove", learner.Listen.Value, "--peers", station, "--wait", "--timeout", "60s");
        Assert.True(unstick.ExitCode == 0, unstick + _cluster.Logs());
        var add = await Ctl.RunAsync("station", "add", spare.Listen.Value, "--peers", station, "--wait", "--timeout", "60s");
        Assert.True(add.ExitCode == 0, add + _cluster.Logs());
        var three = await _cluster.WaitForSteadyStationAsync([.. peers, spare]);
        Assert.Equal(steady.Coordinator, three.Coordinator);

        // With a voter dead, removing another would leave a majority that cannot answer: refused.
        spare.Kill();
        await _cluster.WaitForAsync(master, s => s.Peers.Any(p => p.Node == spare.Listen.Value && !p.Reachable), "the master noticing the dead voter");
        await Task.Delay(TimeSpan.FromMilliseconds(2 * 10 * steady.Master.Timing!.ElectionTimeoutTicks)); // Its last acknowledgement is older than an election timeout.
        var follower = peers.Single(p => p != master);
        var risky = await Ctl.RunAsync("station", "remove", follower.Listen.Value, "--peers", station, "--json");
        Assert.True(risky.ExitCode == 1, risky.ToString());
        using (var json = JsonDocument.Parse(risky.Output))
        {
            Assert.Equal("refused", json.RootElement.GetProperty("outcome").GetString());
            Assert.Contains("majority", json.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        var unchanged = await _cluster.StatusAsync(master);
        Assert.Equal(3, unchanged.Configuration!.Voters.Count);
        Assert.Equal(steady.Coordinator, unchanged.Coordinator);
    }

    private async Task BootstrapAsync(string station, params LocalDaemon[] satellites)
    {
        var bootstrap = await Ctl.RunAsync("bootstrap", "station", "--peers", station, "--timing", "wan", "--wait", "--timeout", "60s");
        Assert.True(bootstrap.ExitCode == 0, bootstrap.ToString());
        var announce = await Ctl.RunAsync("bootstrap", "satellite", "--station", station, "--on", TestCluster.List(satellites), "--wait", "--timeout", "60s");
        Assert.True(announce.ExitCode == 0, announce.ToString());
    }

    private static string[] Sorted(IEnumerable<LocalDaemon> nodes) => Sorted(nodes.Select(n => n.Listen.Value));

    private static string[] Sorted(IEnumerable<string> nodes) => nodes.Order(StringComparer.Ordinal).ToArray();

    private static List<string> Voters(JsonElement configuration) =>
        configuration.GetProperty("voters").EnumerateArray().Select(v => v.GetString()!).ToList();

    /// <summary>
    /// Until cancelled, rounds of status from the live peers and the satellites, every 50 ms on one connection per node
    /// (so that watching adds little load): every round in which they answer must show the coordinator
    /// <paramref name="coordinator"/> on a master whose table has every satellite acknowledged, and every satellite
    /// acknowledged. A call that does not answer (a loaded machine) shows nothing either way.
    /// </summary>
    private async Task<(int Rounds, List<string> Problems)> WatchAsync(IReadOnlyList<LocalDaemon> peers, IReadOnlyList<LocalDaemon> satellites, CoordinatorInfo coordinator, CancellationToken cancellationToken)
    {
        var rounds = 0;
        var problems = new List<string>();
        var clock = Stopwatch.StartNew();
        var clients = new Dictionary<NodeId, ControlClient>();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var views = new List<NodeStatus>();
                foreach (var peer in peers)
                {
                    if (await StatusOnAsync(clients, peer.Listen) is { } status)
                    {
                        views.Add(status);
                    }
                }

                if (views.Count == peers.Count)
                {
                    rounds++;
                    if (views.SingleOrDefault(v => v.State == "master") is not { } master)
                    {
                        problems.Add($"{clock.ElapsedMilliseconds} ms: no single master: {string.Join("; ", views.Select(TestCluster.Describe))}");
                    }
                    else if (master.Coordinator != coordinator)
                    {
                        problems.Add($"{clock.ElapsedMilliseconds} ms: coordinator {master.Coordinator?.Node}@{master.Coordinator?.Epoch}, not {coordinator.Node}@{coordinator.Epoch}");
                    }
                    else if (master.Satellites.Count(s => s.Acknowledged) != satellites.Count)
                    {
                        problems.Add($"{clock.ElapsedMilliseconds} ms: the master's table has {master.Satellites.Count(s => s.Acknowledged)} satellites acknowledged");
                    }
                }

                foreach (var satellite in satellites)
                {
                    if (await StatusOnAsync(clients, satellite.Listen) is { Announcer.Acknowledged: false } status)
                    {
                        problems.Add($"{clock.ElapsedMilliseconds} ms: {TestCluster.Describe(status)}");
                    }
                }

                try
                {
                    await Task.Delay(50, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        finally
        {
            foreach (var client in clients.Values)
            {
                await client.DisposeAsync();
            }
        }

        return (rounds, problems);
    }

    /// <summary>A status on the node's open connection (made again after a failure), or null.</summary>
    private async Task<NodeStatus?> StatusOnAsync(Dictionary<NodeId, ControlClient> clients, NodeId node)
    {
        try
        {
            if (!clients.TryGetValue(node, out var client))
            {
                client = await ControlClient.ConnectAsync(node, _cluster.Security, TimeSpan.FromSeconds(5));
                clients[node] = client;
            }

            return await client.GetStatusAsync();
        }
        catch (ControlException)
        {
            if (clients.Remove(node, out var broken))
            {
                await broken.DisposeAsync();
            }

            return null;
        }
    }
}
