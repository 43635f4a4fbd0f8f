using Halon.Core.Identity;
using Halon.Core.Status;
using Halon.Ctl.Bootstrap;

namespace Halon.Hosts.Tests;

/// <summary>Table tests of the lines `halonctl bootstrap --wait` prints: they must say exactly what is missing.</summary>
public sealed class ProgressTests
{
    private static readonly PeerSet s_peers = PeerSet.Parse("10.0.0.1:9070,10.0.0.2:9070,10.0.0.3:9070");

    [Fact]
    public void A_peer_waiting_for_quorum_names_each_missing_peer_and_why()
    {
        var waiting = Station("10.0.0.1:9070", "waiting-for-quorum", coordinator: null,
            Peer("10.0.0.1:9070", true, "waiting-for-quorum"), Peer("10.0.0.2:9070", false, "connection refused"), Peer("10.0.0.3:9070", false, "no supervisor yet"));

        var progress = StationProgress.Evaluate(s_peers, [View(waiting)]);

        Assert.False(progress.Done);
        Assert.Equal("quorum 1/3 (need 2): 10.0.0.2:9070 connection refused; 10.0.0.3:9070 no supervisor yet", progress.Line);
    }

    [Fact]
    public void Tick_counts_are_left_out_so_that_an_unchanged_situation_prints_one_line()
    {
        var waiting = Station("10.0.0.1:9070", "waiting-for-quorum", coordinator: null,
            Peer("10.0.0.1:9070", true, "waiting-for-quorum"), Peer("10.0.0.2:9070", false, "no reply for 37 ticks"), Peer("10.0.0.3:9070", false, "authentication failed"));

        var progress = StationProgress.Evaluate(s_peers, [View(waiting)]);

        Assert.Equal("quorum 1/3 (need 2): 10.0.0.2:9070 no reply; 10.0.0.3:9070 authentication failed", progress.Line);
    }

    [Fact]
    public void Nodes_halonctl_cannot_reach_and_nodes_without_a_role_are_named()
    {
        var master = Station("10.0.0.1:9070", "master", new CoordinatorInfo("10.0.0.1:9070", 2));
        var views = new[]
        {
            View(master),
            new NodeView(NodeId.Parse("10.0.0.2:9070"), null, "10.0.0.2:9070: connection refused"),
            View(master with { Node = "10.0.0.3:9070", Role = "none", ClusterId = null, State = "none", Coordinator = null }, "10.0.0.3:9070"),
        };

        var progress = StationProgress.Evaluate(s_peers, views);

        Assert.False(progress.Done);
        Assert.Equal("master 10.0.0.1:9070, coordinator epoch 2; 10.0.0.2:9070: connection refused; 10.0.0.3:9070 not bootstrapped yet", progress.Line);
    }

    [Fact]
    public void Done_once_every_node_knows_the_same_coordinator()
    {
        var coordinator = new CoordinatorInfo("10.0.0.2:9070", 3);
        var views = s_peers.Members.Select(m => View(Station(m.Value, m.Value == coordinator.Node ? "master" : "follower", coordinator))).ToList();

        var progress = StationProgress.Evaluate(s_peers, views);

        Assert.True(progress.Done);
        Assert.Equal("master 10.0.0.2:9070, coordinator epoch 3", progress.Line);
    }

    [Fact]
    public void Not_done_while_a_node_still_knows_an_older_coordinator()
    {
        var views = new[]
        {
            View(Station("10.0.0.1:9070", "master", new CoordinatorInfo("10.0.0.1:9070", 4))),
            View(Station("10.0.0.2:9070", "follower", new CoordinatorInfo("10.0.0.1:9070", 4))),
            View(Station("10.0.0.3:9070", "follower", new CoordinatorInfo("10.0.0.3:9070", 3))),
        };

        var progress = StationProgress.Evaluate(s_peers, views);

        Assert.False(progress.Done);
        Assert.Equal("master 10.0.0.1:9070, coordinator epoch 4; not yet known to 10.0.0.3:9070", progress.Line);
    }

    [Fact]
    public void Satellites_name_those_still_announcing_and_what_the_station_is_doing()
    {
        var acknowledged = Satellite("10.0.1.1:9070", new AnnouncerStatus(s_peers.ToString(), 1, true, 2, "10.0.0.1:9070", 3));
        var announcing = Satellite("10.0.1.2:9070", new AnnouncerStatus(s_peers.ToString(), 2, false, 0, null, 5));
        var station = new[] { View(Station("10.0.0.1:9070", "master", new CoordinatorInfo("10.0.0.1:9070", 2))) };

        var progress = SatelliteProgress.Evaluate(s_peers, [View(acknowledged), View(announcing)], station);
        var done = SatelliteProgress.Evaluate(s_peers, [View(acknowledged)], station);

        Assert.False(progress.Done);
        Assert.Equal("acknowledged 1/2; 10.0.1.2:9070 announcing incarnation 2, not acknowledged yet; station: coordinator on 10.0.0.1:9070, epoch 2", progress.Line);
        Assert.True(done.Done);
        Assert.Equal("1/1 satellites acknowledged by the coordinator on 10.0.0.1:9070, epoch 2", done.Line);
    }

    [Fact]
    public void A_master_named_only_by_a_node_of_an_older_term_is_not_reported_as_elected()
    {
        // 10.0.0.3 still follows the master of term 4; the others campaign in term 5, which nobody has won yet.
        var views = new[]
        {
            View(Station("10.0.0.1:9070", "candidate", null) with { Term = 5, Leader = null }),
            View(Station("10.0.0.2:9070", "follower", null) with { Term = 5, Leader = null }),
            View(Station("10.0.0.3:9070", "follower", null) with { Term = 4, Leader = "10.0.0.1:9070" }),
        };

        var progress = StationProgress.Evaluate(s_peers, views);

        Assert.False(progress.Done);
        Assert.Equal("quorum reached; electing a master (term 5)", progress.Line);
    }

    [Fact]
    public void A_master_is_named_from_the_newest_terms_own_claim()
    {
        var views = new[]
        {
            View(Station("10.0.0.1:9070", "follower", null) with { Term = 5, Leader = "10.0.0.2:9070" }),
            View(Station("10.0.0.2:9070", "master", null) with { Term = 5, Leader = "10.0.0.2:9070" }),
            View(Station("10.0.0.3:9070", "follower", null) with { Term = 4, Leader = "10.0.0.1:9070" }),
        };

        var progress = StationProgress.Evaluate(s_peers, views);

        Assert.Equal("master 10.0.0.2:9070 elected (term 5); its coordinator is starting", progress.Line);
        Assert.Equal(5, progress.Term);
    }

    [Fact]
    public void A_coordinator_that_its_own_node_no_longer_runs_is_not_reported_as_the_master()
    {
        // Followers still know the coordinator of epoch 4 on 10.0.0.1, which has just lost its lease.
        var lost = new CoordinatorInfo("10.0.0.1:9070", 4);
        var views = new[]
        {
            View(Station("10.0.0.1:9070", "follower", null) with { Term = 4, Leader = null }),
            View(Station("10.0.0.2:9070", "follower", lost)),
            View(Station("10.0.0.3:9070", "follower", lost)),
        };

        var progress = StationProgress.Evaluate(s_peers, views);

        Assert.False(progress.Done);
        Assert.StartsWith("10.0.0.1:9070 no longer runs the coordinator of epoch 4 (it is follower in term 4)", progress.Line, StringComparison.Ordinal);
        Assert.DoesNotContain("not yet known to 10.0.0.1:9070", progress.Line, StringComparison.Ordinal);
        Assert.Null(progress.Coordinator);
    }

    [Fact]
    public void Satellites_acknowledged_in_several_epochs_name_each_node_once_with_its_epochs()
    {
        var a = Satellite("10.0.1.1:9070", new AnnouncerStatus(s_peers.ToString(), 1, true, 500, "10.0.0.1:9070", 3));
        var b = Satellite("10.0.1.2:9070", new AnnouncerStatus(s_peers.ToString(), 1, true, 528, "10.0.0.1:9070", 3));
        var c = Satellite("10.0.1.3:9070", new AnnouncerStatus(s_peers.ToString(), 1, true, 530, "10.0.0.2:9070", 3));
        var station = new[] { View(Station("10.0.0.2:9070", "master", new CoordinatorInfo("10.0.0.2:9070", 530))) };

        var progress = SatelliteProgress.Evaluate(s_peers, [View(a), View(b), View(c)], station);

        Assert.True(progress.Done);
        Assert.Equal("3/3 satellites acknowledged by 10.0.0.1:9070 (epochs 500 and 528), 10.0.0.2:9070 (epoch 530)", progress.Line);
        Assert.Equal(new CoordinatorInfo("10.0.0.2:9070", 530), progress.Coordinator);
        Assert.Equal(3, progress.Acknowledged);
    }

    [Fact]
    public void A_satellite_that_reports_a_wrong_station_list_ends_the_wait()
    {
        var other = PeerSet.Parse("10.0.0.1:9070,10.0.0.2:9070,10.0.0.3:9171");
        var wrong = Satellite("10.0.1.1:9070", new AnnouncerStatus(s_peers.ToString(), 1, true, 2, "10.0.0.1:9070", 3, other.ToString(), "10.0.0.1:9070"));
        var station = new[] { View(Station("10.0.0.1:9070", "master", new CoordinatorInfo("10.0.0.1:9070", 2))) };

        var progress = SatelliteProgress.Evaluate(s_peers, [View(wrong)], station);

        Assert.False(progress.Done);
        Assert.True(progress.Hopeless);
        Assert.StartsWith($"wrong station list: 10.0.1.1:9070's station list ({s_peers}) is not the station's peer set: 10.0.0.1:9070 answers as a peer of {other}", progress.Line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_station_peer_of_another_set_ends_a_satellite_wait()
    {
        var other = PeerSet.Parse("10.0.0.1:9070,10.0.0.2:9070,10.0.0.3:9171");
        var announcing = Satellite("10.0.1.1:9070", new AnnouncerStatus(s_peers.ToString(), 1, false, 0, null, 3));
        var peerOfOther = Station("10.0.0.1:9070", "master", new CoordinatorInfo("10.0.0.1:9070", 2), other.Members.Select(m => Peer(m.Value, true, "follower")).ToArray()) with { ClusterId = other.ClusterId };

        var progress = SatelliteProgress.Evaluate(s_peers, [View(announcing)], [View(peerOfOther)]);

        Assert.True(progress.Hopeless);
        Assert.Contains($"10.0.0.1:9070 is a peer of station {other.ClusterId} ({other}), not of the station list given ({s_peers})", progress.Line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_station_peer_is_recognised_by_its_peer_set_whatever_cluster_id_its_timing_gives()
    {
        var announcing = Satellite("10.0.1.1:9070", new AnnouncerStatus(s_peers.ToString(), 1, false, 0, null, 3));
        var peerTable = s_peers.Members.Select(m => Peer(m.Value, true, "follower")).ToArray();
        var master = Station("10.0.0.1:9070", "master", new CoordinatorInfo("10.0.0.1:9070", 2), peerTable) with { ClusterId = "halon-00000000000000aa" };

        var progress = SatelliteProgress.Evaluate(s_peers, [View(announcing)], [View(master)]);

        Assert.False(progress.Hopeless);
        Assert.EndsWith("station: coordinator on 10.0.0.1:9070, epoch 2", progress.Line, StringComparison.Ordinal);
    }

    private static NodeView View(NodeStatus status, string? target = null) => new(NodeId.Parse(target ?? status.Node), status, null);

    private static PeerStatus Peer(string node, bool reachable, string state) => new(node, reachable, state, reachable ? 0 : -1);

    /// <summary>A peer's status; its peers table is every peer reachable unless <paramref name="peers"/> says otherwise.</summary>
    private static NodeStatus Station(string node, string state, CoordinatorInfo? coordinator, params PeerStatus[] peers) =>
        new(node, "station", s_peers.ClusterId, coordinator?.Epoch ?? 0, state, coordinator?.Node, coordinator,
            peers.Length > 0 ? peers : s_peers.Members.Select(m => Peer(m.Value, true, "follower")).ToArray(), [], null, 1, 1, 100);

    private static NodeStatus Satellite(string node, AnnouncerStatus announcer) =>
        new(node, "satellite", s_peers.ClusterId, 0, "none", null, null, [], [], announcer, 0, 0, 100);
}
