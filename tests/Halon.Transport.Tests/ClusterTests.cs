using Halon.Core.Identity;
using Halon.Core.Status;
using Halon.Transport.Tcp;

namespace Halon.Transport.Tests;

/// <summary>
/// Real daemons (the daemon's own loop and transport classes) on loopback TCP with temporary data dirs, bootstrapped
/// through <see cref="ControlClient"/> exactly as halonctl does it.
/// </summary>
public sealed class ClusterTests : IAsyncLifetime
{
    private static readonly TimeSpan s_converge = TimeSpan.FromSeconds(20);
    private readonly byte[] _key = TestSupport.Key();
    private readonly List<string> _dirs = [];
    private readonly Dictionary<NodeId, DaemonHarness> _nodes = [];
    private PeerSet _peers = null!;

    public Task InitializeAsync()
    {
        for (var i = 0; i < 3; i++)
        {
            Launch(TestSupport.FreePort(), NewDir());
        }

        _peers = PeerSet.Create(_nodes.Keys);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes.Values)
        {
            await node.DisposeAsync();
        }

        _dirs.ForEach(TestSupport.DeleteDir);
    }

    [Fact(Timeout = 90_000)]
    public async Task A_bootstrapped_station_elects_a_coordinator_acknowledges_a_satellite_and_fails_over()
    {
        foreach (var node in _nodes.Values)
        {
            await using var client = await node.ConnectAsync();
            var result = await client.BootstrapStationAsync(_peers);
            Assert.True(result.Succeeded, result.Message);
            Assert.True(result.Changed);
            var again = await client.BootstrapStationAsync(_peers); // Idempotent.
            Assert.True(again.Succeeded);
            Assert.False(again.Changed);
        }

        var first = await WaitForCoordinatorAsync(minimumEpoch: 1);

        var satellite = Launch(TestSupport.FreePort(), NewDir());
        await using (var client = await satellite.ConnectAsync())
        {
            Assert.True((await client.BootstrapSatelliteAsync(_peers)).Succeeded);
        }

        Assert.True(
            await TestSupport.EventuallyAsync(async () => (await satellite.StatusAsync()).Announcer?.Acknowledged == true, s_converge),
            "the satellite was not acknowledged");

        // Kill the master: a new coordinator with a higher epoch takes over, and still knows the satellite.
        var master = _nodes[NodeId.Parse(first.Node)];
        var masterDir = master.Settings.DataDir;
        await master.DisposeAsync();
        _nodes.Remove(master.Id);
        var second = await WaitForCoordinatorAsync(minimumEpoch: first.Epoch + 1);
        Assert.NotEqual(first.Node, second.Node);
        var newMaster = await _nodes[NodeId.Parse(second.Node)].StatusAsync();
        Assert.Contains(newMaster.Satellites, s => s.Node == satellite.Id.Value && s.Acknowledged);

        // Autoboot: the old master restarts from its data dir and rejoins as a follower by itself.
        var restarted = Launch(master.Settings.Listen.Port, masterDir);
        NodeStatus? last = null;
        var rejoined = await TestSupport.EventuallyAsync(
            async () => (last = await restarted.StatusAsync()) is { Role: "station", State: "follower" or "master", Coordinator: not null } s
                && s.Coordinator.Epoch >= second.Epoch,
            s_converge);
        Assert.True(rejoined, $"the restarted peer did not rejoin; last status: {Describe(last)}; its log:\n{restarted.Logs.Tail(40)}");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_peer_waiting_for_quorum_says_who_is_missing()
    {
        var lone = _nodes.Values.First();
        await using (var client = await lone.ConnectAsync())
        {
            Assert.True((await client.BootstrapStationAsync(_peers)).Succeeded);
        }

        NodeStatus? status = null;
        Assert.True(await TestSupport.EventuallyAsync(
            async () => (status = await lone.StatusAsync()).Peers.Count(p => p.State == "no supervisor yet") == 2,
            s_converge));
        Assert.Equal("waiting-for-quorum", status!.State);
        Assert.Null(status.Coordinator);
    }

    private async Task<CoordinatorInfo> WaitForCoordinatorAsync(long minimumEpoch)
    {
        CoordinatorInfo? found = null;
        var ok = await TestSupport.EventuallyAsync(
            async () =>
            {
                var views = new List<NodeStatus>();
                foreach (var node in _nodes.Values.Where(n => _peers.Contains(n.Id)))
                {
                    views.Add(await node.StatusAsync());
                }

                var masters = views.Where(v => v.State == "master" && v.Coordinator is not null && v.Coordinator.Epoch >= minimumEpoch).ToList();
                if (masters.Count != 1)
                {
                    return false;
                }

                found = masters[0].Coordinator;
                return views.All(v => v.Coordinator is not null && v.Coordinator.Node == found!.Node);
            },
            s_converge);
        Assert.True(ok, $"no coordinator of epoch >= {minimumEpoch} within {s_converge}");
        return found!;
    }

    private static string Describe(NodeStatus? status) => status is null
        ? "none"
        : $"role={status.Role} state={status.State} term={status.Term} coordinator={status.Coordinator?.Node}@{status.Coordinator?.Epoch} "
          + string.Join(", ", status.Peers.Select(p => $"{p.Node}={p.State}"));

    private DaemonHarness Launch(int port, string dir)
    {
        var node = DaemonHarness.Start(DaemonHarness.Settings_(port, dir, _key));
        _nodes[node.Id] = node;
        return node;
    }

    private string NewDir()
    {
        var dir = TestSupport.TempDir();
        _dirs.Add(dir);
        return dir;
    }
}
