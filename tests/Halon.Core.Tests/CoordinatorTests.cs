using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Persistence;
using Halon.Core.Protocol;
using Halon.Core.Status;
using static Halon.Core.Tests.NodeDriver;

namespace Halon.Core.Tests;

/// <summary>
/// The coordinator's side of announcements, one master driven by hand: what it answers to each NodeUp (redirect,
/// outdated notice, acknowledgement, nothing), when it appends, its limits, reinstalled satellites, and the
/// acknowledgements a new master inherits from its log.
/// </summary>
public sealed class CoordinatorTests
{
    private static readonly NodeId S2 = NodeId.Parse("s2:9070");

    private static NodeUp Up(NodeId satellite, long incarnation, long installId = 0) =>
        new(satellite, P1, incarnation, TestCluster.Facts(satellite)) { InstallId = installId };

    /// <summary>The master acknowledges <paramref name="satellite"/>'s announcement once p2 holds the entry.</summary>
    private static (Message[] Messages, Effect[] Effects) Commit(HalonNode master)
    {
        master.Advance();
        Assert.True(AcknowledgeFrom(master, P2).Accepted);
        var (messages, effects, _) = Take(master);
        return (messages, effects);
    }

    [Fact]
    public void A_node_that_is_no_station_peer_redirects_an_announcement_nowhere()
    {
        var node = Fresh(P2);
        var result = node.Step(Up(S1, 1) with { To = P2 });
        Assert.Equal(new StepResult(false, "NodeUp from s1:9070, but this node is not a station peer", DropCategory.RoleMismatch), result);
        Assert.Equal(new NodeUpRedirect(P2, S1, null, 0), Assert.Single(Take(node).Messages));
    }

    [Fact]
    public void An_announcement_with_an_invalid_incarnation_or_host_facts_is_dropped()
    {
        var node = Master();
        var malformed = new StepResult(false, "NodeUp from s1:9070 with an invalid incarnation or host facts", DropCategory.Malformed);
        Assert.Equal(malformed, node.Step(Up(S1, 0)));
        Assert.Equal(malformed, node.Step(new NodeUp(S1, P1, 1, null!)));
        Assert.Equal(malformed, node.Step(new NodeUp(S1, P1, 1, new HostFacts("s1", 0, 1))));
        Assert.Empty(Take(node).Messages);
        Assert.Equal(1, node.LastLogIndex);
    }

    [Fact]
    public void Without_a_running_coordinator_a_peer_redirects_to_the_master_it_knows()
    {
        var follower = Peer();
        GiveQuorum(follower);
        Assert.True(follower.Step(Append(follower, 1, 0, 0, [], 0)).Accepted);
        follower.Advance();
        Assert.True(follower.Step(Up(S1, 1)).Accepted);
        Assert.Equal(new NodeUpRedirect(P1, S1, P2, 1, Station), Assert.Single(Take(follower).Messages));

        var master = Master(commit: false);
        Assert.True(master.Step(Up(S1, 1)).Accepted);
        Assert.Equal(new NodeUpRedirect(P1, S1, P1, 1, Station), Assert.Single(Take(master).Messages));
        Assert.Equal(1, master.LastLogIndex);
    }

    [Fact]
    public void A_master_appends_an_announcement_sends_it_and_acknowledges_it_once_committed()
    {
        var node = Master();
        Assert.True(node.Step(Up(S1, 1, installId: 5)).Accepted);
        var (messages, effects, ready) = Take(node);
        Assert.Empty(effects);
        var entry = new LogEntry(2, 1, new SatelliteAcknowledgedCommand(S1, 1, TestCluster.Facts(S1)) { InstallId = 5 });
        Assert.Equal([entry], ready.Entries);
        Assert.All(messages.Cast<AppendEntries>(), a => Assert.Equal([entry], a.Entries));
        Assert.Equal(2, messages.Length);

        // The same announcement while the entry waits: "not ready", naming the master itself, and nothing appended.
        Assert.True(node.Step(Up(S1, 1, installId: 5)).Accepted);
        var (waiting, waitingEffects, waitingReady) = Take(node);
        Assert.Equal(new NodeUpRedirect(P1, S1, P1, 1, Station), Assert.Single(waiting));
        Assert.Empty(waitingEffects);
        Assert.Empty(waitingReady.Entries);
        Assert.Equal(2, node.LastLogIndex);

        var (acks, acknowledged) = Commit(node);
        Assert.Equal(new NodeUpAck(P1, S1, 1, 1, Station) { InstallId = 5 }, Assert.Single(acks.OfType<NodeUpAck>()));
        Assert.Contains(new SatelliteAcknowledged(S1, 1, 1, "s1") { Reinstalled = false, InstallId = 5 }, acknowledged);
        Assert.Equal(new SatelliteRecord(1, TestCluster.Facts(S1), 2) { InstallId = 5 }, node.Satellites[S1]);

        // Repeated once committed: acknowledged again, nothing appended.
        Assert.True(node.Step(Up(S1, 1, installId: 5)).Accepted);
        var (again, againEffects, againReady) = Take(node);
        Assert.Equal(new NodeUpAck(P1, S1, 1, 1, Station) { InstallId = 5 }, Assert.Single(again));
        Assert.Equal(new SatelliteAcknowledged(S1, 1, 1, "s1") { Reinstalled = false, InstallId = 5 }, Assert.Single(againEffects));
        Assert.Equal(0, againReady.EntriesFromIndex);
    }

    [Fact]
    public void A_lone_peer_acknowledges_an_announcement_in_the_same_step()
    {
        var node = Fresh();
        node.BecomeStationPeer(PeerSet.Create([P1]));
        node.Tick();
        Assert.True(node.CoordinatorRunning);
        node.Advance();
        Assert.True(node.Step(Up(S1, 1)).Accepted);
        Assert.Equal(new NodeUpAck(P1, S1, 1, 1, PeerSet.Create([P1])), Assert.Single(Take(node).Messages));
        Assert.Equal(2, node.CommitIndex);
    }

    [Fact]
    public void An_announcement_not_above_the_record_gets_an_outdated_notice()
    {
        var node = Master();
        Assert.True(node.Step(Up(S1, 3, installId: 7)).Accepted);
        Commit(node);
        var result = node.Step(Up(S1, 2, installId: 7));
        Assert.Equal(new StepResult(false, "NodeUp from s1:9070 for incarnation 2, not above the recorded 3; told it so", DropCategory.Outdated), result);
        Assert.Equal(new NodeUpOutdated(P1, S1, 7, 3, 7, 1), Assert.Single(Take(node).Messages));

        // The same incarnation from another installation: the node was reinstalled.
        Assert.False(node.Step(Up(S1, 3, installId: 8)).Accepted);
        Assert.Equal(new NodeUpOutdated(P1, S1, 8, 3, 7, 1), Assert.Single(Take(node).Messages));

        // Against a pending record above the committed one.
        Assert.True(node.Step(Up(S1, 5, installId: 7)).Accepted);
        node.Advance();
        Assert.False(node.Step(Up(S1, 4, installId: 7)).Accepted);
        Assert.Equal(new NodeUpOutdated(P1, S1, 7, 5, 7, 1), Assert.Single(Take(node).Messages));
        Assert.False(node.Step(Up(S1, 5, installId: 9)).Accepted);
        Assert.Equal(new NodeUpOutdated(P1, S1, 9, 5, 7, 1), Assert.Single(Take(node).Messages));
        // A higher incarnation replaces the pending one; both entries commit and each is acknowledged in its turn.
        Assert.True(node.Step(Up(S1, 6, installId: 7)).Accepted);
        Assert.Equal(4, node.LastLogIndex);
        var (acks, _) = Commit(node);
        Assert.Equal([5L, 6], acks.OfType<NodeUpAck>().Select(a => a.Incarnation));
        Assert.Equal(6, node.Satellites[S1].Incarnation);
    }

    [Fact]
    public void A_reinstalled_satellite_is_counted_and_said_to_be_reinstalled()
    {
        var node = Master();
        Assert.True(node.Step(Up(S1, 1, installId: 11)).Accepted);
        Commit(node);
        Assert.True(node.Step(Up(S1, 2, installId: 22)).Accepted);
        var (_, effects) = Commit(node);
        Assert.Contains(new SatelliteAcknowledged(S1, 2, 1, "s1") { Reinstalled = true, InstallId = 22 }, effects);
        Assert.Equal(1, node.Satellites[S1].Reinstalls);
        Assert.Equal(22, node.Satellites[S1].InstallId);

        // A restart of the same installation is no reinstall, and neither is one whose installation is unknown.
        Assert.True(node.Step(Up(S1, 3, installId: 22)).Accepted);
        (_, effects) = Commit(node);
        Assert.Contains(new SatelliteAcknowledged(S1, 3, 1, "s1") { Reinstalled = false, InstallId = 22 }, effects);
        Assert.True(node.Step(Up(S1, 4, installId: 0)).Accepted);
        (_, effects) = Commit(node);
        Assert.Contains(new SatelliteAcknowledged(S1, 4, 1, "s1") { Reinstalled = false, InstallId = 0 }, effects);
        Assert.Equal(1, node.Satellites[S1].Reinstalls);
        Assert.Equal(new SatelliteStatus("s1:9070", true, 4, "s1") { InstallId = 0, Reinstalls = 1 }, node.GetStatus().Satellites.Single());
    }

    [Fact]
    public void The_satellite_limit_counts_acknowledged_and_pending_new_satellites()
    {
        var options = ProtocolOptions.Default with { SatellitesMax = 1 };
        var node = Master(options);
        Assert.True(node.Step(Up(S1, 1)).Accepted);
        node.Advance();
        var full = new StepResult(false, "NodeUp from s2:9070: the station tracks 1 satellites already (acknowledged or waiting for commit)", DropCategory.LimitReached);
        Assert.Equal(full, node.Step(Up(S2, 1)));
        Assert.Equal(new NodeUpRedirect(P1, S2, P1, 1, Station), Assert.Single(Take(node).Messages)); // "Not ready."
        Commit(node);
        Assert.Equal(full, node.Step(Up(S2, 1)));
        // A known satellite's next incarnation is no new satellite.
        Assert.True(node.Step(Up(S1, 2)).Accepted);
        Assert.Equal(3, node.LastLogIndex);
        Assert.Equal(full, node.Step(Up(S2, 1)));
    }

    [Fact]
    public void At_most_the_bounded_number_of_acknowledgements_wait_for_commit()
    {
        var node = Master();
        for (var i = 0; i < Limits.PendingAcknowledgementsMax; i++)
        {
            var id = NodeId.Parse($"s{i}:9070");
            Assert.True(node.Step(new NodeUp(id, P1, 1, TestCluster.Facts(id))).Accepted);
            node.Advance();
        }

        var last = NodeId.Parse("late:9070");
        Assert.Equal(
            new StepResult(false, $"NodeUp from late:9070: {Limits.PendingAcknowledgementsMax} acknowledgements already wait for commit; it will retry", DropCategory.LimitReached),
            node.Step(new NodeUp(last, P1, 1, TestCluster.Facts(last))));
        Assert.Equal(new NodeUpRedirect(P1, last, P1, 1, Station), Assert.Single(Take(node).Messages)); // "Not ready."
        // One already waiting may still move to a newer incarnation.
        var first = NodeId.Parse("s0:9070");
        Assert.True(node.Step(new NodeUp(first, P1, 2, TestCluster.Facts(first))).Accepted);
        Assert.Equal(Limits.PendingAcknowledgementsMax + 2, node.LastLogIndex);
    }

    [Fact]
    public void A_master_that_steps_down_forgets_its_pending_acknowledgements()
    {
        var node = Master();
        Assert.True(node.Step(Up(S1, 1)).Accepted);
        Assert.Single(node.GetStatus().Satellites);
        node.Step(new VoteResponse(P2, P1, Station.ClusterId, 4, false, false));
        Assert.Equal(SupervisorState.Follower, node.State);
        Assert.Empty(node.GetStatus().Satellites);
    }

    [Fact]
    public void A_new_master_inherits_uncommitted_acknowledgements_from_its_log()
    {
        // p1's log ends in two uncommitted acknowledgements from the master of term 1, s1 twice.
        var first = new SatelliteAcknowledgedCommand(S1, 1, TestCluster.Facts(S1)) { InstallId = 3 };
        var second = new SatelliteAcknowledgedCommand(S1, 2, TestCluster.Facts(S1)) { InstallId = 3 };
        var node = Restored(new HardState(1, null, 1), NoOp(1, 1), new LogEntry(2, 1, first), new LogEntry(3, 1, second));
        GiveQuorum(node);
        TickUntil(node, () => node.State == SupervisorState.PreCandidate);

        node.Step(new VoteResponse(P2, P1, Station.ClusterId, 2, true, true));
        node.Step(new VoteResponse(P2, P1, Station.ClusterId, 2, true, false));
        Assert.Equal(SupervisorState.Master, node.State);
        Assert.Equal(new SatelliteStatus("s1:9070", false, 2, string.Empty) { InstallId = 3 }, node.GetStatus().Satellites.Single());
        node.Advance();
        var (acks, effects) = Commit(node);
        Assert.Equal(4, node.CommitIndex);
        Assert.Equal(new CoordinatorStarted(2, 0, 1), effects.OfType<CoordinatorStarted>().Single());
        Assert.Equal(2, node.Satellites[S1].Incarnation);
        // Its coordinator started after the entries applied, so the announcement repeats to get acknowledged.
        Assert.Empty(acks.OfType<NodeUpAck>());
        Assert.True(node.Step(Up(S1, 2, installId: 3)).Accepted);
        Assert.Equal(new NodeUpAck(P1, S1, 2, 2, Station) { InstallId = 3 }, Assert.Single(Take(node).Messages));
    }

    [Fact]
    public void An_inherited_acknowledgement_commits_with_the_new_master_first_entry()
    {
        var command = new SatelliteAcknowledgedCommand(S1, 1, TestCluster.Facts(S1)) { InstallId = 3 };
        var node = Restored(new HardState(1, null, 1), NoOp(1, 1), new LogEntry(2, 1, command));
        GiveQuorum(node);
        TickUntil(node, () => node.State == SupervisorState.PreCandidate);

        node.Step(new VoteResponse(P2, P1, Station.ClusterId, 2, true, true));
        node.Step(new VoteResponse(P2, P1, Station.ClusterId, 2, true, false));
        node.Advance();
        // The lease starts with p2's answer for the old entry only: the coordinator waits, the entry stays pending.
        Assert.True(node.Step(new AppendEntriesResponse(P2, P1, Station.ClusterId, 2, true, 2, 0, node.Now)).Accepted);
        Assert.False(node.CoordinatorRunning);
        Assert.Equal(3, node.LastLogIndex);
        Commit(node);
        Assert.True(node.CoordinatorRunning);
        Assert.True(node.Step(Up(S1, 1, installId: 3)).Accepted);
        Assert.Equal(3, node.LastLogIndex);
        Assert.Single(Take(node).Messages.OfType<NodeUpAck>());
    }

    [Fact]
    public void A_restarted_coordinator_counts_its_restarts()
    {
        var node = Master(ProtocolOptions.Default with { CoordinatorRestartDelayTicks = 0 });
        node.CrashCoordinator();
        node.Advance();
        node.Tick();
        Assert.True(node.CoordinatorRunning);
        Assert.Equal(new CoordinatorStarted(1, 1, 0), Take(node).Effects.OfType<CoordinatorStarted>().Single());
    }

    [Fact]
    public void A_coordinator_restarts_on_a_tick_without_any_answer()
    {
        var node = Master(ProtocolOptions.Default with { CoordinatorRestartDelayTicks = 2 });
        node.CrashCoordinator();
        node.Advance();
        node.Tick();
        Assert.False(node.CoordinatorRunning);
        node.Tick();
        Assert.True(node.CoordinatorRunning);
    }
}
