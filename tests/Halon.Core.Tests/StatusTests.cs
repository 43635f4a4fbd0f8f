using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Protocol;
using Halon.Core.Status;
using static Halon.Core.Tests.NodeDriver;

namespace Halon.Core.Tests;

/// <summary>What <c>halonctl status</c> shows, field by field, for each role and for each reason a peer is missing.</summary>
public sealed class StatusTests
{
    private static PeerStatus PeerView(HalonNode node, NodeId peer) => node.GetStatus().Peers.Single(p => p.Node == peer.Value);

    private static HalonNode Follower()
    {
        var node = Peer();
        GiveQuorum(node);
        node.Advance();
        return node;
    }

    [Fact]
    public void A_node_without_a_role_shows_none()
    {
        var status = Fresh().GetStatus();
        Assert.Equal("p1:9070", status.Node);
        Assert.Equal("none", status.Role);
        Assert.Null(status.ClusterId);
        Assert.Equal("none", status.State);
        Assert.Null(status.Coordinator);
        Assert.Empty(status.Peers);
        Assert.Empty(status.Satellites);
        Assert.Null(status.Announcer);
        Assert.Null(status.Timing);
    }

    [Fact]
    public void A_follower_shows_its_station_and_the_peers_that_answered()
    {
        var node = Follower();
        var status = node.GetStatus();
        Assert.Equal("station", status.Role);
        Assert.Equal(Station.ClusterId, status.ClusterId);
        Assert.Same(StationTiming.Legacy, status.Timing);
        Assert.Equal("follower", status.State);
        Assert.Null(status.Leader);
        Assert.Null(status.Coordinator);
        Assert.Null(status.Announcer);
        Assert.Equal(0, status.Ticks);
        Assert.Equal(
            [new PeerStatus("p1:9070", true, "follower", 0), new PeerStatus("p2:9070", true, "follower", 0), new PeerStatus("p3:9070", false, "no reply", -1)],
            status.Peers);
        Assert.Equal("p3:9070 no reply", status.MissingSummary());
    }

    [Fact]
    public void A_station_on_lan_timing_shows_that_timing_and_its_cluster_id()
    {
        var node = Fresh();
        node.BecomeStationPeer(Station, StationTiming.Lan);
        var status = node.GetStatus();
        Assert.Same(StationTiming.Lan, status.Timing);
        Assert.Equal(StationTiming.Lan.ClusterIdFor(Station), status.ClusterId);
        Assert.Same(StationTiming.Lan, node.Timing);
        Assert.Equal(5, node.Options.HeartbeatIntervalTicks);
        // A node that is no station peer shows the timing it would bootstrap with, from its options.
        Assert.Same(StationTiming.Legacy, Fresh().Timing);
    }

    [Fact]
    public void A_peer_counts_as_reachable_for_the_reachability_window_and_then_shows_its_silence()
    {
        var node = Follower();
        for (var i = 0; i < node.Options.PeerReachableTicks; i++)
        {
            node.Tick();
            node.Advance();
        }

        Assert.Equal(new PeerStatus("p2:9070", true, "follower", 30), PeerView(node, P2));
        node.Tick();
        Assert.Equal(new PeerStatus("p2:9070", false, "no reply for 31 ticks", 31), PeerView(node, P2));
        Assert.Equal(31, node.GetStatus().Ticks);
    }

    [Fact]
    public void Each_reported_problem_shows_its_reason()
    {
        var node = Follower();
        node.ReportUnreachable(P3, PeerProblem.ConnectionRefused, string.Empty);
        Assert.Equal("connection refused", PeerView(node, P3).State);
        node.ReportUnreachable(P3, PeerProblem.ConnectionRefused, "dial p3:9070: connection refused by host");
        Assert.Equal("dial p3:9070: connection refused by host", PeerView(node, P3).State);
        node.ReportUnreachable(P3, PeerProblem.NoSupervisor, string.Empty);
        Assert.Equal("no supervisor yet", PeerView(node, P3).State);
        node.ReportUnreachable(P3, PeerProblem.NoSupervisor, "it is a satellite");
        Assert.Equal("it is a satellite", PeerView(node, P3).State);
        node.ReportUnreachable(P3, PeerProblem.DifferentCluster, "halon-0123456789abcdef");
        Assert.Equal("different cluster halon-0123456789abcdef", PeerView(node, P3).State);
        node.ReportUnreachable(P3, PeerProblem.AuthenticationFailed, "bad key");
        Assert.Equal("authentication failed", PeerView(node, P3).State);
        node.ReportUnreachable(P3, PeerProblem.NoReply, null!);
        Assert.Equal("no reply", PeerView(node, P3).State);
        Assert.False(PeerView(node, P3).Reachable);

        // A problem reported for a peer heard from a moment ago wins: the transport knows it is gone.
        node.ReportUnreachable(P2, PeerProblem.ConnectionRefused, string.Empty);
        Assert.Equal(new PeerStatus("p2:9070", false, "connection refused", 0), PeerView(node, P2));

        // Reports about itself, about strangers, or to a node that is no station peer change nothing.
        node.ReportUnreachable(P1, PeerProblem.ConnectionRefused, string.Empty);
        Assert.Equal(new PeerStatus("p1:9070", true, "follower", 0), PeerView(node, P1));
        node.ReportUnreachable(S1, PeerProblem.ConnectionRefused, string.Empty);
        Assert.Equal(3, node.GetStatus().Peers.Count);
        var none = Fresh();
        none.ReportUnreachable(P2, PeerProblem.ConnectionRefused, string.Empty);
        Assert.Empty(none.GetStatus().Peers);
    }

    [Fact]
    public void A_peer_heard_only_through_a_station_message_shows_as_a_supervisor()
    {
        var node = Follower();
        Assert.True(node.Step(new VoteRequest(P3, P1, Station.ClusterId, 0, 0, 0, PreVote: false)).Accepted);
        Assert.Equal(new PeerStatus("p3:9070", true, "supervisor", 0), PeerView(node, P3));
        // A probe from a peer whose state is unknown counts it as waiting for quorum.
        var other = Peer();
        Assert.True(other.Step(new PeerProbe(P3, P1, Station.ClusterId, 0)).Accepted);
        Assert.Equal(new PeerStatus("p3:9070", true, "waiting-for-quorum", 0), PeerView(other, P3));
        // A later probe keeps the state its reply reported.
        GiveQuorum(other, P3);
        Assert.True(other.Step(new PeerProbe(P3, P1, Station.ClusterId, 0)).Accepted);
        Assert.Equal("follower", PeerView(other, P3).State);
    }

    [Fact]
    public void A_follower_shows_its_master_and_the_master_coordinator()
    {
        var node = Follower();
        Assert.True(node.Step(Append(node, 1, 0, 0, [NoOp(1, 1)], 0, coordinatorEpoch: 0)).Accepted);
        var status = node.GetStatus();
        Assert.Equal("p2:9070", status.Leader);
        Assert.Null(status.Coordinator);
        Assert.Equal("master", PeerView(node, P2).State);
        Assert.Equal(1, status.Term);
        Assert.Equal(1, status.LastLogIndex);
        Assert.Equal(0, status.CommitIndex);
        Assert.True(node.Step(Append(node, 1, 1, 1, [], 1, coordinatorEpoch: 1)).Accepted);
        status = node.GetStatus();
        Assert.Equal(new CoordinatorInfo("p2:9070", 1), status.Coordinator);
        Assert.Equal(1, status.CommitIndex);
    }

    [Fact]
    public void A_candidate_shows_no_coordinator_even_if_its_last_master_ran_one()
    {
        var node = Follower();
        Assert.True(node.Step(Append(node, 1, 0, 0, [NoOp(1, 1)], 1, coordinatorEpoch: 1)).Accepted);
        node.Advance();
        for (var i = 0; i < 100 && node.State != SupervisorState.PreCandidate; i++)
        {
            node.Tick();
            node.Advance();
        }

        var status = node.GetStatus();
        Assert.Equal("candidate", status.State);
        Assert.Null(status.Leader);
        Assert.Null(status.Coordinator);
    }

    [Fact]
    public void A_master_shows_its_coordinator_its_followers_and_its_satellites()
    {
        var node = Master();
        var status = node.GetStatus();
        Assert.Equal("master", status.State);
        Assert.Equal("p1:9070", status.Leader);
        Assert.Equal(new CoordinatorInfo("p1:9070", 1), status.Coordinator);
        Assert.Equal(new PeerStatus("p1:9070", true, "master", 0), status.Peers[0]);
        Assert.Equal("follower", status.Peers[1].State);
        Assert.True(status.Peers[1].Reachable);

        var s2 = NodeId.Parse("s2:9070");
        Assert.True(node.Step(new NodeUp(s2, P1, 1, TestCluster.Facts(s2)) { InstallId = 22 }).Accepted);
        AcknowledgeFrom(node, P2);
        Assert.True(node.Step(new NodeUp(S1, P1, 3, TestCluster.Facts(S1)) { InstallId = 11 }).Accepted);
        var satellites = node.GetStatus().Satellites;
        Assert.Equal(2, satellites.Count);
        Assert.Equal(new SatelliteStatus("s1:9070", false, 3, string.Empty) { InstallId = 11 }, satellites[0]);
        Assert.Equal(new SatelliteStatus("s2:9070", true, 1, "s2") { InstallId = 22, Reinstalls = 0 }, satellites[1]);
        AcknowledgeFrom(node, P2);
        Assert.Equal(new SatelliteStatus("s1:9070", true, 3, "s1") { InstallId = 11 }, node.GetStatus().Satellites[0]);
        Assert.Empty(Follower().GetStatus().Satellites);
    }

    [Fact]
    public void A_satellite_shows_its_announcer()
    {
        var node = Fresh(S1);
        node.BecomeSatellite(Station);
        var status = node.GetStatus();
        Assert.Equal("satellite", status.Role);
        Assert.Equal(Station.ClusterId, status.ClusterId);
        Assert.Null(status.Timing);
        Assert.Empty(status.Peers);
        Assert.Empty(status.Satellites);
        Assert.Equal(new AnnouncerStatus(Station.ToString(), 1, false, 0, null, 1) { InstallId = node.InstallId }, status.Announcer);

        var twoPeers = PeerSet.Create([P1, P2]);
        node.Advance();
        Assert.True(node.Step(new NodeUpAck(P2, S1, 1, 3, twoPeers)).Accepted);
        Assert.Equal(new AnnouncerStatus(Station.ToString(), 1, true, 3, "p2:9070", 1, "p1:9070,p2:9070", "p2:9070") { InstallId = node.InstallId }, node.GetStatus().Announcer);
        var (_, effects, _) = Take(node);
        Assert.Equal([new StationListMismatch(P2, twoPeers, Station), new StationListLearned(twoPeers, P2, 3), new AnnouncementAcknowledged(1, 3, P2)], effects);

        // The same disagreement again is kept (with who said it last) but not emitted again.
        Assert.False(node.Step(new NodeUpRedirect(P1, S1, P1, 3, twoPeers)).Accepted);
        Assert.Empty(Take(node).Effects);
        Assert.Equal("p1:9070", node.GetStatus().Announcer!.ReportedBy);
        var threePeers = PeerSet.Create([P1, P2, NodeId.Parse("p4:9070")]);
        Assert.True(node.Step(new NodeUpAck(P1, S1, 1, 3, threePeers)).Accepted);
        Assert.Equal([new StationListMismatch(P1, threePeers, Station), new StationListLearned(threePeers, P1, 3)], Take(node).Effects);

        // An answer that agrees clears it; one without a list leaves things as they are.
        Assert.True(node.Step(new NodeUpAck(P1, S1, 1, 3, Station)).Accepted);
        Assert.Null(node.GetStatus().Announcer!.ReportedStation);
        Assert.Null(node.GetStatus().Announcer!.ReportedBy);
        Assert.True(node.Step(new NodeUpAck(P1, S1, 1, 3, null)).Accepted);
        Assert.Null(node.GetStatus().Announcer!.ReportedStation);
        Assert.Equal([new StationListLearned(Station, P1, 3)], Take(node).Effects);
    }
}
