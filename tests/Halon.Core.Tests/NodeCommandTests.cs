using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Protocol;

namespace Halon.Core.Tests;

public sealed class NodeCommandTests
{
    [Fact]
    public void A_node_not_in_the_peer_set_refuses_to_be_its_peer()
    {
        var cluster = new TestCluster(3);
        var outsider = PeerSet.Parse("p2:9070,p3:9070,p4:9070");
        var result = cluster["p1"].BecomeStationPeer(outsider);
        Assert.False(result.Succeeded);
        Assert.Contains("p1:9070 is not in the peer set p2:9070,p3:9070,p4:9070", result.Message, StringComparison.Ordinal);
        Assert.Equal(NodeRole.None, cluster["p1"].Role);
    }

    [Fact]
    public void Repeating_a_bootstrap_is_a_no_op()
    {
        var cluster = new TestCluster(3);
        cluster.BootstrapStation();
        var again = cluster["p1"].BecomeStationPeer(cluster.Peers);
        Assert.True(again.Succeeded);
        Assert.False(again.Changed);
        Assert.Contains("already a peer", again.Message, StringComparison.Ordinal);
        Assert.False(cluster["p1"].GetReady().Role is not null, "a repeated bootstrap persists nothing");
    }

    [Fact]
    public void A_peer_of_one_station_refuses_another_and_names_both()
    {
        var cluster = new TestCluster(3);
        cluster.BootstrapStation();
        var other = PeerSet.Parse("p1:9070,p4:9070,p5:9070");
        var result = cluster["p1"].BecomeStationPeer(other);
        Assert.False(result.Succeeded);
        Assert.Contains(cluster.Peers.ClusterId, result.Message, StringComparison.Ordinal);
        Assert.Contains("p1:9070,p2:9070,p3:9070", result.Message, StringComparison.Ordinal);
        Assert.Contains(other.ClusterId, result.Message, StringComparison.Ordinal);
        Assert.Contains("p1:9070,p4:9070,p5:9070", result.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_station_peer_refuses_to_become_a_satellite_and_a_satellite_refuses_to_become_a_peer()
    {
        var cluster = new TestCluster(3, satellites: 1);
        cluster.BootstrapStation();
        Assert.False(cluster["p1"].BecomeSatellite(cluster.Peers).Succeeded);
        var satellite = cluster["s1"];
        Assert.True(satellite.BecomeSatellite(cluster.Peers).Succeeded);
        Assert.False(satellite.BecomeSatellite(cluster.Peers).Changed);
        var refused = satellite.BecomeStationPeer(PeerSet.Parse("s1:9070"));
        Assert.False(refused.Succeeded);
        Assert.Contains("is a satellite of station", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Cluster_id_depends_only_on_the_set()
    {
        var a = PeerSet.Parse("b:1,a:1,c:1");
        var b = PeerSet.Parse("c:1, a:1 ,b:1,a:1");
        Assert.Equal(a.ClusterId, b.ClusterId);
        Assert.Equal("a:1,b:1,c:1", b.ToString());
        Assert.NotEqual(a.ClusterId, PeerSet.Parse("a:1,b:1").ClusterId);
        Assert.StartsWith("halon-", a.ClusterId, StringComparison.Ordinal);
    }

    [Fact]
    public void Peer_sets_are_bounded()
    {
        var eight = string.Join(',', Enumerable.Range(1, 8).Select(i => $"n{i}:9070"));
        var error = Assert.Throws<ArgumentException>(() => PeerSet.Parse(eight));
        Assert.Contains("at most 7", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("host", "not HOST:PORT")]
    [InlineData("host:0", "port outside")]
    [InlineData("host:70000", "port outside")]
    [InlineData("ho st:1", "space")]
    public void Bad_node_addresses_are_refused_with_a_reason(string text, string reason)
    {
        Assert.False(NodeId.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_single_peer_station_elects_itself_and_starts_the_coordinator()
    {
        var cluster = new TestCluster(1);
        cluster.BootstrapStation();
        Assert.True(cluster.TickUntil(() => cluster["p1"].CoordinatorRunning, 100));
        var started = cluster.EffectsOf(cluster["p1"].Id).OfType<CoordinatorStarted>().Single();
        Assert.Equal(cluster["p1"].Term, started.Epoch);
    }

    [Fact]
    public void Three_peers_elect_one_master_whose_coordinator_epoch_is_its_term()
    {
        var cluster = new TestCluster(3);
        cluster.BootstrapStation();
        Assert.True(cluster.TickUntil(() => cluster.Master?.CoordinatorRunning == true, 200));
        cluster.Tick(2); // Followers learn of the coordinator with the next heartbeat.
        var master = cluster.Master!;
        Assert.Equal(master.Term, master.CoordinatorEpoch);
        foreach (var node in cluster.Nodes.Values)
        {
            Assert.Equal(master.Id, node.Leader);
            var status = node.GetStatus();
            Assert.Equal(master.Id.Value, status.Coordinator?.Node);
        }
    }

    [Fact]
    public void A_vote_is_persisted_in_the_same_batch_as_the_reply_that_grants_it()
    {
        var cluster = new TestCluster(3);
        cluster.BootstrapStation();
        Assert.True(cluster.TickUntil(() => cluster.Master is not null, 200));
        var grants = cluster.Batches.SelectMany(b => b.Value.Select(batch => (b.Key, batch)))
            .Where(x => x.batch.Messages.OfType<Messages.VoteResponse>().Any(v => v.Granted && !v.PreVote))
            .ToList();
        Assert.NotEmpty(grants);
        foreach (var (node, batch) in grants)
        {
            var response = batch.Messages.OfType<Messages.VoteResponse>().First(v => v.Granted && !v.PreVote);
            Assert.NotNull(batch.HardState);
            Assert.Equal(response.To, batch.HardState!.Value.VotedFor);
            Assert.Equal(response.Term, batch.HardState.Value.Term);
        }
    }
}
