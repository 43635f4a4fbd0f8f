using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Persistence;
using Halon.Core.Protocol;
using Halon.Core.Status;
using static Halon.Core.Tests.NodeDriver;

namespace Halon.Core.Tests;

/// <summary>
/// The role commands and what follows from them, one node driven by hand: their answers, what they persist, the
/// probes of a station peer and the answers of a satellite to redirects, outdated notices and acknowledgements.
/// </summary>
public sealed class RoleCommandTests
{
    private static readonly PeerSet Other = PeerSet.Create([P1, NodeId.Parse("q2:9070"), NodeId.Parse("q3:9070")]);

    private static HalonNode Satellite(ulong seed = 1)
    {
        var node = Fresh(S1, seed: seed);
        node.BecomeSatellite(Station);
        node.Advance();
        return node;
    }

    [Fact]
    public void A_node_refuses_null_arguments()
    {
        var facts = TestCluster.Facts(P1);
        var random = new TestRandom(1);
        Assert.Equal("id", Assert.Throws<ArgumentNullException>(() => new HalonNode(null!, ProtocolOptions.Default, random, facts)).ParamName);
        Assert.Equal("options", Assert.Throws<ArgumentNullException>(() => new HalonNode(P1, null!, random, facts)).ParamName);
        Assert.Equal("random", Assert.Throws<ArgumentNullException>(() => new HalonNode(P1, ProtocolOptions.Default, null!, facts)).ParamName);
        Assert.Equal("hostFacts", Assert.Throws<ArgumentNullException>(() => new HalonNode(P1, ProtocolOptions.Default, random, null!)).ParamName);
        Assert.Equal("persisted", Assert.Throws<ArgumentNullException>(() => new HalonNode(P1, ProtocolOptions.Default, random, facts, null!)).ParamName);
        var node = Fresh();
        Assert.Equal("peers", Assert.Throws<ArgumentNullException>(() => node.BecomeStationPeer(null!)).ParamName);
        Assert.Equal("station", Assert.Throws<ArgumentNullException>(() => node.BecomeSatellite(null!)).ParamName);
        Assert.Equal("peer", Assert.Throws<ArgumentNullException>(() => node.ReportUnreachable(null!, PeerProblem.NoReply, string.Empty)).ParamName);
        Assert.Throws<ArgumentNullException>(() => ProtocolOptions.Default.WithTiming(null!));
    }

    [Fact]
    public void Becoming_a_station_peer_answers_and_records_the_station_and_its_timing()
    {
        var node = Fresh();
        var id = Station.ClusterId;
        var done = node.BecomeStationPeer(Station);
        Assert.Equal(new CommandResult(true, true, $"p1:9070 is now a peer of station {id} ({Station}), timing {StationTiming.Legacy}"), done);
        var (messages, effects, ready) = Take(node);
        Assert.Equal(new RoleConfig(NodeRole.Station, Station, null, 0) { Timing = StationTiming.Legacy, ClusterId = id }, ready.Role);
        Assert.Equal(
            new RoleAssigned(NodeRole.Station, $"bootstrapped as a peer of station {id} ({Station}), timing {StationTiming.Legacy}"),
            effects[0]);
        Assert.Equal(new SupervisorStateChanged(SupervisorState.None, SupervisorState.WaitingForQuorum, 0, $"bootstrapped as a peer of station {id} ({Station}), timing {StationTiming.Legacy}"), effects[1]);
        Assert.Equal([new PeerProbe(P1, P2, id, 0), new PeerProbe(P1, P3, id, 0)], messages);

        Assert.Equal(
            new CommandResult(true, false, $"p1:9070 is already a peer of station {id} ({Station}), timing {StationTiming.Legacy}"),
            node.BecomeStationPeer(Station));
        Assert.Equal(
            new CommandResult(false, false, $"p1:9070 is already a peer of station {id} ({Station}); refusing to join station {Other.ClusterId} ({Other})"),
            node.BecomeStationPeer(Other));
        Assert.Equal(
            new CommandResult(false, false, $"p1:9070 is already a peer of station {id} ({Station}) with timing {StationTiming.Legacy}; refusing timing {StationTiming.Lan}: every peer of a station must use the same timing, chosen when it was bootstrapped"),
            node.BecomeStationPeer(Station, StationTiming.Lan));
        Assert.Equal(
            new CommandResult(false, false, $"p1:9070 is a peer of station {id} ({Station}); refusing to become a satellite of station {Other.ClusterId} ({Other})"),
            node.BecomeSatellite(Other));
        Assert.False(node.HasReady);
    }

    [Fact]
    public void Becoming_a_station_peer_is_refused_outside_the_set_with_bad_timing_or_as_a_satellite()
    {
        var stranger = Fresh(S1);
        Assert.Equal(
            new CommandResult(false, false, $"s1:9070 is not in the peer set {Station}; a station peer must be one of its own peers"),
            stranger.BecomeStationPeer(Station));
        var badTiming = new StationTiming("custom", 5, 7, 1.1);
        var refused = Fresh().BecomeStationPeer(Station, badTiming);
        Assert.False(refused.Succeeded);
        Assert.StartsWith($"timing {badTiming} is refused: the lease", refused.Message);

        var satellite = Satellite();
        var asPeer = Fresh(P1);
        asPeer.BecomeSatellite(Other);
        Assert.Equal(
            new CommandResult(false, false, $"p1:9070 is a satellite of station {Other.ClusterId} ({Other}); refusing to become a peer of station {Station.ClusterId} ({Station})"),
            asPeer.BecomeStationPeer(Station));
        Assert.Equal(NodeRole.Satellite, satellite.Role);
    }

    [Fact]
    public void Becoming_a_satellite_answers_and_persists_the_first_incarnation()
    {
        var node = Fresh(S1);
        var done = node.BecomeSatellite(Station);
        Assert.Equal(new CommandResult(true, true, $"s1:9070 is now a satellite of station {Station.ClusterId} ({Station}), announcing incarnation 1"), done);
        var (messages, effects, ready) = Take(node);
        Assert.Equal(NodeRole.Satellite, ready.Role!.Role);
        Assert.Equal(1, ready.Role.Incarnation);
        Assert.Equal(Station, ready.Role.Station);
        Assert.Equal(node.InstallId, ready.Role.InstallId);
        Assert.Equal(new RoleAssigned(NodeRole.Satellite, $"bootstrapped as a satellite of station {Station.ClusterId} ({Station}); incarnation 1"), Assert.Single(effects));
        Assert.IsType<NodeUp>(Assert.Single(messages));

        Assert.Equal(
            new CommandResult(true, false, $"s1:9070 is already a satellite of station {Station.ClusterId} ({Station})"),
            node.BecomeSatellite(Station));
        Assert.Equal(
            new CommandResult(false, false, $"s1:9070 is already a satellite of station {Station.ClusterId} ({Station}); refusing to announce to station {Other.ClusterId} ({Other})"),
            node.BecomeSatellite(Other));
        Assert.False(node.HasReady);
    }

    [Fact]
    public void Installation_ids_are_sixty_random_bits()
    {
        var ids = new HashSet<long>();
        for (ulong seed = 1; seed <= 8; seed++)
        {
            var id = Satellite(seed).InstallId;
            Assert.InRange(id, 1L << 30, (1L << 60) - 1);
            ids.Add(id);
        }

        Assert.Equal(8, ids.Count);
        Assert.Equal(0, Fresh().InstallId);
        Assert.Equal(0, Fresh().Incarnation);
    }

    [Fact]
    public void A_restarted_satellite_persists_and_announces_its_next_incarnation()
    {
        var role = new RoleConfig(NodeRole.Satellite, null, Station, 4) { InstallId = 9 };
        var node = new HalonNode(S1, ProtocolOptions.Default, new TestRandom(1), TestCluster.Facts(S1), new PersistentState(HardState.Initial, role, []));
        Assert.Equal(5, node.Incarnation);
        var (messages, effects, ready) = Take(node);
        Assert.Equal(role with { Incarnation = 5 }, ready.Role);
        Assert.Equal(new RoleAssigned(NodeRole.Satellite, "resumed from persisted state; incarnation 5"), Assert.Single(effects));
        var up = Assert.IsType<NodeUp>(Assert.Single(messages));
        Assert.Equal(5, up.Incarnation);
        Assert.Equal(9, up.InstallId);
    }

    [Fact]
    public void A_restarted_station_peer_resumes_its_supervisor_and_keeps_its_vote()
    {
        var role = new RoleConfig(NodeRole.Station, Station, null, 0) { Timing = StationTiming.Lan };
        var node = new HalonNode(P1, ProtocolOptions.Default, new TestRandom(1), TestCluster.Facts(P1), new PersistentState(new HardState(2, P2, 1), role, [NoOp(1, 1), NoOp(2, 2)]));
        Assert.Equal(2, node.Term);
        Assert.Equal(P2, node.VotedFor);
        Assert.Equal(1, node.CommitIndex);
        Assert.Equal(25, node.Options.ElectionTimeoutTicks);
        Assert.Equal(StationTiming.Lan.ClusterIdFor(Station), node.GetStatus().ClusterId);
        var (messages, effects, ready) = Take(node);
        Assert.Null(ready.HardState);
        Assert.Null(ready.Role);
        Assert.Equal(new RoleAssigned(NodeRole.Station, "resumed from persisted state"), effects[0]);
        Assert.Equal(2, messages.OfType<PeerProbe>().Count());
    }

    [Fact]
    public void A_torn_write_adopts_the_term_of_the_last_persisted_entry_without_a_vote()
    {
        var role = new RoleConfig(NodeRole.Station, Station, null, 0) { Timing = StationTiming.Legacy };
        var node = new HalonNode(P1, ProtocolOptions.Default, new TestRandom(1), TestCluster.Facts(P1), new PersistentState(new HardState(1, P2, 0), role, [NoOp(1, 1), NoOp(2, 3)]));
        Assert.Equal(3, node.Term);
        Assert.Null(node.VotedFor);
        Assert.Equal(new HardState(3, null, 0), node.GetReady().HardState);
    }

    [Fact]
    public void A_persisted_timing_that_breaks_the_lease_is_refused()
    {
        var role = new RoleConfig(NodeRole.Station, Station, null, 0) { Timing = new StationTiming("custom", 5, 7, 1.1) };
        var error = Assert.Throws<ArgumentException>(() => new HalonNode(P1, ProtocolOptions.Default, new TestRandom(1), TestCluster.Facts(P1), new PersistentState(HardState.Initial, role, [])));
        Assert.Contains("the lease", error.Message);
    }

    [Fact]
    public void Probes_and_replies_count_peers_of_this_station_only()
    {
        // p2's node: p1 ranks first in the set, so index 0 must count too.
        var node = Peer();
        var p2 = Fresh(P2);
        p2.BecomeStationPeer(Station);
        p2.Advance();
        Assert.True(p2.Step(new PeerProbe(P1, P2, Station.ClusterId, 0)).Accepted);
        Assert.Equal(SupervisorState.Follower, p2.State);
        // The reply tells the state in which the probe found it.
        Assert.Equal(new PeerProbeReply(P2, P1, NodeRole.Station, Station.ClusterId, SupervisorState.WaitingForQuorum, 0, null), Assert.Single(Take(p2).Messages));
        var p2Again = Fresh(P2);
        p2Again.BecomeStationPeer(Station);
        Assert.True(p2Again.Step(new PeerProbeReply(P1, P2, NodeRole.Station, Station.ClusterId, SupervisorState.WaitingForQuorum, 0, null)).Accepted);
        Assert.Equal(SupervisorState.Follower, p2Again.State);

        // A probe from a stranger is answered but counts for nothing.
        Assert.True(node.Step(new PeerProbe(S1, P1, Station.ClusterId, 0)).Accepted);
        Assert.Equal(SupervisorState.WaitingForQuorum, node.State);
        Assert.Equal(new PeerProbeReply(P1, S1, NodeRole.Station, Station.ClusterId, SupervisorState.WaitingForQuorum, 0, null), Assert.Single(Take(node).Messages));
        Assert.Equal(
            new StepResult(false, "probe reply from s1:9070, which is not in the peer set", DropCategory.NotAMember),
            node.Step(new PeerProbeReply(S1, P1, NodeRole.Station, Station.ClusterId, SupervisorState.Follower, 0, null)));

        // A probe or reply from a peer of another station shows why it does not count.
        Assert.True(node.Step(new PeerProbe(P2, P1, "halon-elsewhere", 0)).Accepted);
        Assert.Equal(SupervisorState.WaitingForQuorum, node.State);
        Assert.Equal(new PeerStatus("p2:9070", false, "different cluster halon-elsewhere", -1), node.GetStatus().Peers[1]);
        Assert.True(node.Step(new PeerProbeReply(P3, P1, NodeRole.Station, "halon-further", SupervisorState.Follower, 0, null)).Accepted);
        Assert.Equal("different cluster halon-further", node.GetStatus().Peers[2].State);
        Assert.True(node.Step(new PeerProbeReply(P3, P1, NodeRole.Satellite, string.Empty, SupervisorState.None, 0, null)).Accepted);
        Assert.Equal("it is a satellite", node.GetStatus().Peers[2].State);
        Assert.True(node.Step(new PeerProbeReply(P3, P1, NodeRole.None, string.Empty, SupervisorState.None, 0, null)).Accepted);
        Assert.Equal("no supervisor yet", node.GetStatus().Peers[2].State);
        Assert.Equal(SupervisorState.WaitingForQuorum, node.State);
        Assert.True(node.Step(new PeerProbe(P2, P1, Station.ClusterId, 0)).Accepted);
        Assert.Equal(SupervisorState.Follower, node.State);
    }

    [Fact]
    public void A_node_without_a_role_answers_probes_and_drops_replies()
    {
        var node = Fresh();
        Assert.True(node.Step(new PeerProbe(P2, P1, Station.ClusterId, 3)).Accepted);
        Assert.Equal(new PeerProbeReply(P1, P2, NodeRole.None, string.Empty, SupervisorState.None, 0, null), Assert.Single(Take(node).Messages));
        Assert.Equal(
            new StepResult(false, "probe reply to a node that is not a station peer", DropCategory.RoleMismatch),
            node.Step(new PeerProbeReply(P2, P1, NodeRole.Station, Station.ClusterId, SupervisorState.Follower, 0, null)));
        var satellite = Satellite();
        Assert.True(satellite.Step(new PeerProbe(P2, S1, Station.ClusterId, 3)).Accepted);
        Assert.Equal(new PeerProbeReply(S1, P2, NodeRole.Satellite, string.Empty, SupervisorState.None, 0, null), Assert.Single(Take(satellite).Messages));
    }

    [Fact]
    public void Quorum_evidence_heard_late_in_a_wait_still_counts()
    {
        var node = Restored(new HardState(5, null, 0));
        for (var i = 0; i < 40; i++)
        {
            node.Tick();
            node.Advance();
        }

        Assert.Equal(SupervisorState.WaitingForQuorum, node.State);
        node.Step(new VoteRequest(P2, P1, Station.ClusterId, 1, 0, 0, false));
        node.Tick();
        Assert.Equal(SupervisorState.Follower, node.State);
    }

    [Fact]
    public void The_first_campaign_goes_by_rank_in_the_peer_set()
    {
        var firstCampaigns = new HashSet<long>();
        for (ulong seed = 1; seed <= 12; seed++)
        {
            var node = Fresh(P3, seed: seed);
            node.BecomeStationPeer(Station);
            node.Step(new PeerProbeReply(P2, P3, NodeRole.Station, Station.ClusterId, SupervisorState.Follower, 0, null));
            TickUntil(node, () => node.State != SupervisorState.Follower);

            firstCampaigns.Add(node.Now);
        }

        // p3 ranks third: 1 + 2·2 ticks, plus a tick of jitter.
        Assert.Equal([5L, 6], firstCampaigns.Order());
    }

    [Fact]
    public void A_satellite_follows_a_redirect_to_the_master_at_once()
    {
        var node = Satellite();
        for (var i = 0; i < 20; i++)
        {
            node.Tick();
            node.Advance();
        }

        Assert.True(node.Step(new NodeUpRedirect(P2, S1, P3, 1, Station)).Accepted);
        Assert.Equal(1, node.TicksUntilNextTimer);
        node.Tick();
        var up = Assert.IsType<NodeUp>(Assert.Single(Take(node).Messages));
        Assert.Equal(P3, up.To);
        // The back-off starts again from its minimum.
        Assert.InRange(node.TicksUntilNextTimer, 2, 3);
    }

    [Fact]
    public void A_redirect_from_the_master_itself_is_used_at_the_next_announcement_without_haste()
    {
        var node = Satellite();
        var before = node.TicksUntilNextTimer;
        Assert.True(node.Step(new NodeUpRedirect(P3, S1, P3, 1, Station)).Accepted);
        Assert.Equal(before, node.TicksUntilNextTimer);
        TickUntil(node, () => node.HasReady);
        Assert.Equal(P3, Assert.IsType<NodeUp>(Assert.Single(Take(node).Messages)).To);
    }

    [Fact]
    public void A_redirect_without_a_master_of_the_station_changes_nothing()
    {
        var node = Satellite();
        var before = node.TicksUntilNextTimer;
        Assert.True(node.Step(new NodeUpRedirect(P2, S1, null, 0, Station)).Accepted);
        Assert.True(node.Step(new NodeUpRedirect(P2, S1, NodeId.Parse("q9:9070"), 0, Station)).Accepted);
        Assert.Equal(before, node.TicksUntilNextTimer);
        Assert.False(node.HasReady);
        TickUntil(node, () => node.HasReady);
        var up = Assert.IsType<NodeUp>(Assert.Single(Take(node).Messages));
        Assert.NotEqual(NodeId.Parse("q9:9070"), up.To);
    }

    [Fact]
    public void A_satellite_drops_answers_from_outside_its_station_and_after_its_acknowledgement()
    {
        var stranger = NodeId.Parse("q9:9070");
        var node = Satellite();
        Assert.Equal(
            new StepResult(false, "NodeUp redirect from q9:9070, which is not this satellite's station", DropCategory.NotAMember),
            node.Step(new NodeUpRedirect(stranger, S1, P1, 1)));
        Assert.Equal(
            new StepResult(false, "NodeUp outdated notice from q9:9070, which is not this satellite's station", DropCategory.NotAMember),
            node.Step(new NodeUpOutdated(stranger, S1, node.InstallId, 3, 0, 1)));
        Assert.Equal(
            new StepResult(false, "NodeUp acknowledgement from q9:9070, which is not this satellite's station", DropCategory.NotAMember),
            node.Step(new NodeUpAck(stranger, S1, 1, 1)));
        Assert.Equal(
            new StepResult(false, "acknowledgement of incarnation 7; this is incarnation 1", DropCategory.Outdated),
            node.Step(new NodeUpAck(P1, S1, 7, 1)));

        var peer = Peer();
        Assert.Equal(DropCategory.NotAMember, peer.Step(new NodeUpRedirect(P2, P1, P2, 1)).DropCategory);
        Assert.Equal(DropCategory.NotAMember, peer.Step(new NodeUpOutdated(P2, P1, 0, 1, 0, 1)).DropCategory);
        Assert.Equal(DropCategory.NotAMember, peer.Step(new NodeUpAck(P2, P1, 1, 1)).DropCategory);

        Assert.True(node.Step(new NodeUpAck(P1, S1, 1, 2)).Accepted);
        Assert.Equal(
            new StepResult(false, "NodeUp redirect after acknowledgement", DropCategory.Outdated),
            node.Step(new NodeUpRedirect(P2, S1, P3, 2)));
        node.Advance();
        for (var i = 0; i < 100; i++)
        {
            node.Tick();
        }

        Assert.False(node.HasReady);
        // A second acknowledgement of the same incarnation changes nothing.
        Assert.True(node.Step(new NodeUpAck(P2, S1, 1, 3)).Accepted);
        Assert.False(node.HasReady);
        Assert.Equal("p1:9070", node.GetStatus().Announcer!.AcknowledgedBy);
    }

    [Fact]
    public void A_satellite_takes_the_next_incarnation_when_the_station_holds_one_of_another_installation()
    {
        var node = Satellite();
        Assert.True(node.Step(new NodeUpAck(P1, S1, 1, 2)).Accepted);
        node.Advance();
        var install = node.InstallId;
        Assert.Equal(
            new StepResult(false, "outdated notice of epoch 1 fenced: epoch 2 was seen already", DropCategory.Fenced),
            node.Step(new NodeUpOutdated(P2, S1, install, 4, 77, 1)));
        Assert.Equal(
            new StepResult(false, $"outdated notice for installation {install + 1:x}; this is installation {install:x}", DropCategory.Outdated),
            node.Step(new NodeUpOutdated(P2, S1, install + 1, 4, 77, 2)));
        Assert.Equal(
            new StepResult(false, "outdated notice for incarnation 0; this is incarnation 1 already", DropCategory.Outdated),
            node.Step(new NodeUpOutdated(P2, S1, install, 0, 77, 2)));
        Assert.Equal(
            new StepResult(false, "outdated notice for incarnation 1; this is incarnation 1 already", DropCategory.Outdated),
            node.Step(new NodeUpOutdated(P2, S1, install, 1, install, 2)));
        Assert.False(node.HasReady);

        Assert.True(node.Step(new NodeUpOutdated(P2, S1, install, 1, 77, 3)).Accepted);
        Assert.Equal(2, node.Incarnation);
        Assert.False(node.AnnouncementAcknowledged);
        var (messages, effects, ready) = Take(node);
        Assert.Equal(2, ready.Role!.Incarnation);
        Assert.Equal([new IncarnationAdvanced(1, 2, 1, P2)], effects);
        var up = Assert.IsType<NodeUp>(Assert.Single(messages));
        Assert.Equal(P2, up.To);
        Assert.Equal(2, up.Incarnation);
        Assert.InRange(node.TicksUntilNextTimer, 2, 3);
    }
}
