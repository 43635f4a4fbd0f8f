using Halon.Core.Identity;
using Halon.Core.Persistence;

namespace Halon.Core.Tests;

/// <summary>Station timing: part of the station's identity, persisted, and refused when it breaks the lease argument.</summary>
public sealed class StationTimingTests
{
    private static readonly PeerSet s_peers = PeerSet.Parse("p1:9070,p2:9070,p3:9070");

    [Fact]
    public void The_legacy_timing_keeps_the_old_cluster_id_and_other_timings_get_their_own()
    {
        Assert.Equal(s_peers.ClusterId, StationTiming.Legacy.ClusterIdFor(s_peers));
        var lan = StationTiming.Lan.ClusterIdFor(s_peers);
        var wan = StationTiming.Wan.ClusterIdFor(s_peers);
        Assert.NotEqual(s_peers.ClusterId, lan);
        Assert.NotEqual(lan, wan);
        Assert.Equal(lan, (StationTiming.Lan with { Name = "custom" }).ClusterIdFor(s_peers));
        Assert.StartsWith("halon-", lan, StringComparison.Ordinal);
    }

    [Fact]
    public void Peers_given_different_timings_form_no_station()
    {
        var cluster = new TestCluster(3);
        var ids = cluster.Peers.Members;
        Assert.True(cluster.Nodes[ids[0]].BecomeStationPeer(cluster.Peers, StationTiming.Lan).Succeeded);
        Assert.True(cluster.Nodes[ids[1]].BecomeStationPeer(cluster.Peers, StationTiming.Wan).Succeeded);
        Assert.True(cluster.Nodes[ids[2]].BecomeStationPeer(cluster.Peers, StationTiming.Wan with { ElectionTimeoutTicks = 40 }).Succeeded);
        foreach (var id in ids)
        {
            cluster.Drain(cluster.Nodes[id]);
        }

        cluster.Tick(400);
        Assert.All(ids, id => Assert.Equal(SupervisorState.WaitingForQuorum, cluster.Nodes[id].State));
        var status = cluster.Nodes[ids[0]].GetStatus();
        Assert.All(status.Peers.Where(p => p.Node != ids[0].Value), p => Assert.StartsWith("different cluster", p.State, StringComparison.Ordinal));
    }

    [Fact]
    public void A_station_with_the_lan_profile_elects_and_runs_its_coordinator_with_those_timers()
    {
        var cluster = new TestCluster(3);
        foreach (var id in cluster.Peers.Members)
        {
            Assert.True(cluster.Nodes[id].BecomeStationPeer(cluster.Peers, StationTiming.Lan).Succeeded);
            cluster.Drain(cluster.Nodes[id]);
        }

        Assert.True(cluster.TickUntil(() => cluster.Master?.CoordinatorRunning == true, 300));
        var master = cluster.Master!;
        Assert.Equal(StationTiming.Lan, master.Timing);
        Assert.Equal(StationTiming.Lan.ElectionTimeoutTicks, master.Options.ElectionTimeoutTicks);
        Assert.Equal(StationTiming.Lan.HeartbeatIntervalTicks, master.Options.HeartbeatIntervalTicks);
        Assert.Equal(StationTiming.Lan.ClusterIdFor(cluster.Peers), master.GetStatus().ClusterId);
    }

    [Fact]
    public void The_timing_is_persisted_and_resumed_and_a_repeat_with_other_timing_is_refused()
    {
        var node = new Protocol.HalonNode(NodeId.Parse("p1:9070"), ProtocolOptions.Default, new TestRandom(1), TestCluster.Facts(NodeId.Parse("p1:9070")));
        Assert.True(node.BecomeStationPeer(s_peers, StationTiming.Wan).Succeeded);
        var role = node.GetReady().Role!;
        node.Advance();
        Assert.Equal(StationTiming.Wan, role.Timing);
        Assert.False(node.BecomeStationPeer(s_peers, StationTiming.Lan).Succeeded);
        Assert.Contains("same timing", node.BecomeStationPeer(s_peers, StationTiming.Lan).Message, StringComparison.Ordinal);
        var again = node.BecomeStationPeer(s_peers, StationTiming.Wan);
        Assert.True(again.Succeeded);
        Assert.False(again.Changed);

        var restarted = new Protocol.HalonNode(NodeId.Parse("p1:9070"), ProtocolOptions.Default, new TestRandom(2), TestCluster.Facts(NodeId.Parse("p1:9070")), new PersistentState(HardState.Initial, role, []));
        Assert.Equal(StationTiming.Wan.ElectionTimeoutTicks, restarted.Options.ElectionTimeoutTicks);
        Assert.Equal(StationTiming.Wan.ClusterIdFor(s_peers), restarted.GetStatus().ClusterId);
    }

    [Fact]
    public void A_data_dir_without_timing_runs_with_the_host_options_and_keeps_its_cluster_id()
    {
        var role = new RoleConfig(NodeRole.Station, s_peers, null, 0);
        var node = new Protocol.HalonNode(NodeId.Parse("p1:9070"), ProtocolOptions.Default, new TestRandom(1), TestCluster.Facts(NodeId.Parse("p1:9070")), new PersistentState(HardState.Initial, role, []));
        Assert.Equal(s_peers.ClusterId, node.GetStatus().ClusterId);
        Assert.Equal(StationTiming.Legacy, node.Timing);
        Assert.True(node.BecomeStationPeer(s_peers).Succeeded);
    }

    [Theory]
    [InlineData(5, 4, 1.1)]
    [InlineData(1, 3, 1.1)]
    [InlineData(5, 25, 2.5)]
    public void Timing_that_breaks_the_lease_argument_is_refused_with_the_reason(int heartbeat, int election, double drift)
    {
        var node = new Protocol.HalonNode(NodeId.Parse("p1:9070"), ProtocolOptions.Default, new TestRandom(1), TestCluster.Facts(NodeId.Parse("p1:9070")));
        var result = node.BecomeStationPeer(s_peers, new StationTiming("custom", heartbeat, election, drift));
        Assert.False(result.Succeeded);
        Assert.Contains("is refused", result.Message, StringComparison.Ordinal);
        Assert.Equal(NodeRole.None, node.Role);
    }
}
