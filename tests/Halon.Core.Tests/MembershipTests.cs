using Halon.Core.Effects;
using Halon.Core.Identity;
using Halon.Core.Messages;
using Halon.Core.Persistence;
using Halon.Core.Protocol;

namespace Halon.Core.Tests;

/// <summary>
/// Changing a station's peers: a new peer joins as a learner and is promoted once caught up, a removed peer stops
/// its supervisor and stays stopped, a replacement adds before it removes, and the refusals that keep a quorum.
/// </summary>
public sealed class MembershipTests
{
    private static readonly NodeId s_new = NodeId.Parse("n1:9070");

    private static TestCluster Station(int peers = 3, int satellites = 1, ProtocolOptions? options = null)
    {
        var cluster = new TestCluster(peers, satellites, options);
        cluster.BootstrapStation();
        Assert.True(cluster.TickUntil(() => cluster.Master?.CoordinatorRunning == true, 300));
        for (var i = 1; i <= satellites; i++)
        {
            Assert.True(cluster[$"s{i}"].BecomeSatellite(cluster.Peers).Succeeded);
            cluster.Drain(cluster[$"s{i}"]);
        }

        Assert.True(cluster.TickUntil(() => Enumerable.Range(1, satellites).All(i => cluster[$"s{i}"].AnnouncementAcknowledged), 300));
        return cluster;
    }

    private static MembershipResult Change(TestCluster cluster, MembershipChange change)
    {
        var master = cluster.Master!;
        var result = master.ChangeStation(change);
        cluster.Drain(master);
        return result;
    }

    private static HalonNode Join(TestCluster cluster, NodeId node)
    {
        cluster.Add(node);
        var joined = cluster.Nodes[node];
        var master = cluster.Master!;
        Assert.True(joined.JoinStation(master.GetStatus().ClusterId!, master.Timing, cluster.Peers).Succeeded);
        cluster.Drain(joined);
        return joined;
    }

    /// <summary>Every live station peer holds <paramref name="voters"/> as its committed configuration.</summary>
    private static bool Settled(TestCluster cluster, string voters) =>
        cluster.Nodes.Values.Where(n => !cluster.Down.Contains(n.Id) && n.Role == NodeRole.Station && !n.LeftTheStation)
            .All(n => n.Configuration!.ToString() == voters && !n.ConfigurationChangeInFlight);

    [Fact]
    public void An_added_peer_joins_as_a_learner_catches_up_and_is_promoted_to_voter()
    {
        var cluster = Station();
        var clusterId = cluster.Master!.GetStatus().ClusterId;
        var joined = Join(cluster, s_new);
        Assert.Equal(SupervisorState.WaitingForQuorum, joined.State);

        var added = Change(cluster, new AddPeer(s_new));
        Assert.Equal(MembershipOutcome.Appended, added.Outcome);
        Assert.Equal("p1:9070,p2:9070,p3:9070;learners=n1:9070", added.Config!.ToString());

        Assert.True(cluster.TickUntil(() => Settled(cluster, "n1:9070,p1:9070,p2:9070,p3:9070"), 300));
        Assert.Equal(cluster.Master!.LastLogIndex, joined.LastLogIndex);
        Assert.Equal(clusterId, joined.GetStatus().ClusterId);
        Assert.Equal(clusterId, cluster.Master!.GetStatus().ClusterId);
        Assert.False(cluster.PersistedStateOf(s_new).Role.Joining);
        var changes = cluster.EffectsOf(s_new).OfType<ConfigurationChanged>().ToList();
        Assert.Contains(changes, c => c.Config.IsLearner(s_new) && !c.Committed);
        Assert.Contains(changes, c => c.Config.IsVoter(s_new) && c.Committed);

        // Repeating the addition changes nothing.
        Assert.Equal(MembershipOutcome.AlreadyDone, Change(cluster, new AddPeer(s_new)).Outcome);

        // The new voter counts: with two of the first three peers down, it and the last one still elect a master
        // and run the coordinator, with the satellite in the table.
        var master = cluster.Master!;
        var others = cluster.Peers.Members.Where(p => !p.Equals(master.Id)).ToList();
        cluster.Down.Add(master.Id);
        Assert.True(cluster.TickUntil(() => cluster.Master?.CoordinatorRunning == true, 500));
        Assert.Contains(NodeId.Parse("s1:9070"), cluster.Master!.Satellites.Keys);
        Assert.True(cluster.Master!.Configuration!.IsVoter(s_new));
        _ = others;
    }

    [Fact]
    public void A_joining_node_neither_campaigns_nor_votes_before_it_has_caught_up()
    {
        var cluster = Station();
        var joined = Join(cluster, s_new);
        Assert.True(cluster.TickUntil(() => joined.State == SupervisorState.Follower, 100));
        Assert.False(joined.Campaign().Succeeded);
        cluster.Tick(200);
        Assert.DoesNotContain(cluster.Batches[s_new].SelectMany(b => b.Messages), m => m is VoteRequest);

        // A joining node that has not seen itself in a committed configuration (it may be a wiped voter) refuses.
        var master = cluster.Master!;
        cluster.Down.Add(master.Id);
        cluster.Tick(cluster.Options.ElectionTimeoutTicks + 1);
        var candidate = cluster.Peers.Members.First(p => !p.Equals(master.Id));
        var vote = joined.Step(new VoteRequest(candidate, s_new, joined.GetStatus().ClusterId!, joined.Term + 1, 1_000, joined.Term + 1, PreVote: true));
        Assert.False(vote.Accepted);
        Assert.Contains("has not caught up", vote.DropReason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_removed_follower_stops_its_supervisor_and_stays_stopped_across_a_restart()
    {
        var cluster = Station();
        var master = cluster.Master!;
        var leaving = cluster.Nodes.Values.First(n => n.State == SupervisorState.Follower);
        var removed = Change(cluster, new RemovePeer(leaving.Id));
        Assert.Equal(MembershipOutcome.Appended, removed.Outcome);
        var remaining = string.Join(',', cluster.Peers.Members.Where(p => !p.Equals(leaving.Id)).Select(p => p.Value));
        Assert.True(cluster.TickUntil(() => Settled(cluster, remaining) && leaving.LeftTheStation, 300));
        Assert.Equal("removed", leaving.GetStatus().State);
        Assert.Contains(cluster.EffectsOf(leaving.Id), e => e is LeftStation);
        Assert.True(master.CoordinatorRunning);

        var batchesBefore = cluster.Batches[leaving.Id].Count;
        var restarted = cluster.Restart(leaving.Id);
        Assert.True(restarted.LeftTheStation);
        Assert.Equal(HalonNode.NoTimerTicks, restarted.TicksUntilNextTimer);
        cluster.Tick(100);
        Assert.True(master.CoordinatorRunning);
        Assert.Same(master, cluster.Master);
        Assert.DoesNotContain(cluster.Batches[leaving.Id].Skip(batchesBefore).SelectMany(b => b.Messages), m => m is not PeerProbeReply);
        Assert.Equal(MembershipOutcome.AlreadyDone, Change(cluster, new RemovePeer(leaving.Id)).Outcome);
    }

    [Fact]
    public void A_master_that_removes_itself_steps_down_once_committed_and_the_coordinator_moves()
    {
        var cluster = Station(5);
        var master = cluster.Master!;
        var epoch = master.CoordinatorEpoch;
        Assert.Equal(MembershipOutcome.Appended, Change(cluster, new RemovePeer(master.Id)).Outcome);
        Assert.True(cluster.TickUntil(() => master.LeftTheStation, 300));
        Assert.False(master.CoordinatorRunning);
        Assert.True(cluster.TickUntil(() => cluster.Master?.CoordinatorRunning == true, 500));
        Assert.NotEqual(master.Id, cluster.Master!.Id);
        Assert.True(cluster.Master!.CoordinatorEpoch > epoch);
        Assert.False(cluster.Master!.Configuration!.Contains(master.Id));
        Assert.Contains(NodeId.Parse("s1:9070"), cluster.Master!.Satellites.Keys);
    }

    [Fact]
    public void A_dead_peer_is_replaced_without_the_coordinator_stopping()
    {
        var cluster = Station();
        var master = cluster.Master!;
        var epoch = master.CoordinatorEpoch;
        var dead = cluster.Peers.Members.First(p => !p.Equals(master.Id));
        cluster.Down.Add(dead);
        cluster.Tick(5);
        Join(cluster, s_new);
        var replaced = Change(cluster, new ReplacePeer(dead, s_new));
        Assert.Equal(MembershipOutcome.Appended, replaced.Outcome);
        Assert.Equal(MembershipOutcome.Pending, Change(cluster, new ReplacePeer(dead, s_new)).Outcome);

        var expected = string.Join(',', cluster.Peers.Members.Where(p => !p.Equals(dead)).Append(s_new).Order().Select(p => p.Value));
        for (var t = 0; t < 400 && !Settled(cluster, expected); t++)
        {
            cluster.Tick();
            Assert.True(master.CoordinatorRunning, $"the coordinator stopped at tick {t} of the replacement");
        }

        Assert.True(Settled(cluster, expected));
        Assert.Equal(epoch, master.CoordinatorEpoch);
        Assert.Equal(MembershipOutcome.AlreadyDone, Change(cluster, new ReplacePeer(dead, s_new)).Outcome);

        // The configurations went learner, promotion, removal: never more than one voter apart.
        var configs = master.Log.Select(e => e.Command).OfType<StationConfigCommand>().Select(c => c.Config).ToList();
        Assert.Equal(3, configs.Count);
        Assert.True(configs[0].IsLearner(s_new) && configs[0].IsRetiring(dead));
        Assert.True(configs[1].IsVoter(s_new) && configs[1].IsVoter(dead));
        Assert.False(configs[2].Contains(dead));
    }

    [Fact]
    public void Changes_that_would_lose_a_quorum_or_overlap_are_refused_with_the_reason()
    {
        var cluster = Station();
        var master = cluster.Master!;
        var followers = cluster.Peers.Members.Where(p => !p.Equals(master.Id)).ToList();

        // One change at a time.
        Join(cluster, s_new);
        Assert.Equal(MembershipOutcome.Appended, Change(cluster, new AddPeer(s_new)).Outcome);
        var overlapping = Change(cluster, new RemovePeer(followers[0]));
        Assert.Equal(MembershipOutcome.Refused, overlapping.Outcome);
        Assert.Contains("one change at a time", overlapping.Message, StringComparison.Ordinal);
        Assert.Equal(MembershipOutcome.Pending, Change(cluster, new AddPeer(s_new)).Outcome);
        Assert.True(cluster.TickUntil(() => Settled(cluster, "n1:9070,p1:9070,p2:9070,p3:9070"), 300));

        // A follower does not decide; it names the master.
        var follower = cluster.Nodes[s_new];
        var elsewhere = follower.ChangeStation(new RemovePeer(followers[0]));
        Assert.Equal(MembershipOutcome.NotCoordinator, elsewhere.Outcome);
        Assert.Equal(master.Id, elsewhere.Master);
    }

    [Fact]
    public void A_satellite_learns_the_changed_peers_and_finds_a_master_outside_its_list_after_a_restart()
    {
        var cluster = Station();
        var satellite = NodeId.Parse("s1:9070");
        var added = new[] { NodeId.Parse("n1:9070"), NodeId.Parse("n2:9070") };
        var bootstrapped = cluster.Peers.Members.ToList();

        // Replace two of the three peers the satellite was bootstrapped with, one after the other.
        var master = cluster.Master!;
        var old = bootstrapped.Where(p => !p.Equals(master.Id)).ToList();
        for (var i = 0; i < 2; i++)
        {
            Join(cluster, added[i]);
            Assert.Equal(MembershipOutcome.Appended, Change(cluster, new ReplacePeer(old[i], added[i])).Outcome);
            Assert.True(cluster.TickUntil(() => !cluster.Master!.Configuration!.Contains(old[i]) && !cluster.Master.ConfigurationChangeInFlight, 400));
            cluster.Down.Add(old[i]);
        }

        // The acknowledgement of a restarted satellite carries the new voters; it keeps them.
        Assert.True(cluster.TickUntil(() => cluster.Restart(satellite).Role == NodeRole.Satellite, 1));
        Assert.True(cluster.TickUntil(() => cluster.Nodes[satellite].AnnouncementAcknowledged, 400));
        var learned = cluster.Nodes[satellite].GetStatus();
        Assert.Contains(cluster.EffectsOf(satellite), e => e is StationListLearned l && l.Station.Contains(added[1]));
        Assert.Equal(cluster.Master!.Configuration!.Voters, cluster.PersistedStateOf(satellite).Role.Peers);

        // Now the only peer of its bootstrap list that is left steps away: a new master among the added peers
        // still acknowledges the satellite's next incarnation.
        cluster.Down.Add(master.Id);
        Assert.True(cluster.TickUntil(() => cluster.Master?.CoordinatorRunning == true, 500));
        Assert.DoesNotContain(cluster.Master!.Id, bootstrapped);
        var restarted = cluster.Restart(satellite);
        Assert.True(cluster.TickUntil(() => restarted.AnnouncementAcknowledged, 500));
        Assert.Equal(learned.Announcer!.Station, restarted.GetStatus().Announcer!.Station);
    }

    [Fact]
    public void A_peer_added_again_does_not_leave_on_the_history_of_its_earlier_removal()
    {
        // One entry per AppendEntries, so that a peer catching up applies every configuration of the history.
        var cluster = Station(3, satellites: 1, ProtocolOptions.Default with { EntriesPerAppendMax = 1 });
        Join(cluster, s_new);
        Assert.Equal(MembershipOutcome.Appended, Change(cluster, new AddPeer(s_new)).Outcome);
        Assert.True(cluster.TickUntil(() => Settled(cluster, "n1:9070,p1:9070,p2:9070,p3:9070"), 300));
        Assert.Equal(MembershipOutcome.Appended, Change(cluster, new RemovePeer(s_new)).Outcome);
        Assert.True(cluster.TickUntil(() => cluster.Nodes[s_new].LeftTheStation && Settled(cluster, "p1:9070,p2:9070,p3:9070"), 300));

        // Its data dir is wiped and it is added again: it replays "voter" and "removed" on its way.
        cluster.Reinstall(s_new);
        var joined = Join(cluster, s_new);
        Assert.Equal(MembershipOutcome.Appended, Change(cluster, new AddPeer(s_new)).Outcome);
        Assert.True(cluster.TickUntil(() => Settled(cluster, "n1:9070,p1:9070,p2:9070,p3:9070"), 500));
        Assert.False(joined.LeftTheStation);
        Assert.DoesNotContain(cluster.EffectsOf(s_new), e => e is LeftStation);
    }

    [Fact]
    public void A_removal_that_would_leave_no_majority_of_live_voters_is_refused()
    {
        var cluster = Station(5);
        var master = cluster.Master!;
        var followers = cluster.Peers.Members.Where(p => !p.Equals(master.Id)).ToList();
        cluster.Down.Add(followers[0]);
        cluster.Down.Add(followers[1]);
        cluster.Tick(cluster.Options.ElectionTimeoutTicks + 2);
        Assert.True(master.CoordinatorRunning);

        // Four voters would remain, two of them live: not a majority.
        var lossy = Change(cluster, new RemovePeer(followers[2]));
        Assert.Equal(MembershipOutcome.Refused, lossy.Outcome);
        Assert.Contains("no quorum", lossy.Message, StringComparison.Ordinal);

        // Removing a dead one leaves three live voters of four.
        Assert.Equal(MembershipOutcome.Appended, Change(cluster, new RemovePeer(followers[0])).Outcome);
        Assert.True(cluster.TickUntil(() => !master.ConfigurationChangeInFlight, 100));
        Assert.True(master.CoordinatorRunning);
    }

    [Fact]
    public void A_second_removal_waits_until_the_first_is_committed()
    {
        var cluster = Station(5);
        var master = cluster.Master!;
        var followers = cluster.Peers.Members.Where(p => !p.Equals(master.Id)).ToList();
        Assert.Equal(MembershipOutcome.Appended, Change(cluster, new RemovePeer(followers[0])).Outcome);
        Assert.True(master.ConfigurationChangeInFlight);
        var second = Change(cluster, new RemovePeer(followers[1]));
        Assert.Equal(MembershipOutcome.Refused, second.Outcome);
        Assert.Contains("not committed yet", second.Message, StringComparison.Ordinal);
        Assert.True(cluster.TickUntil(() => !master.ConfigurationChangeInFlight, 100));
        Assert.Equal(MembershipOutcome.Appended, Change(cluster, new RemovePeer(followers[1])).Outcome);
    }

    [Fact]
    public void A_station_of_two_voters_does_not_shrink()
    {
        var cluster = Station(2);
        var other = cluster.Peers.Members.First(p => !p.Equals(cluster.Master!.Id));
        var refused = Change(cluster, new RemovePeer(other));
        Assert.Equal(MembershipOutcome.Refused, refused.Outcome);
        Assert.Contains("at least 2", refused.Message, StringComparison.Ordinal);
        Assert.Equal(MembershipOutcome.Refused, Change(cluster, new ReplacePeer(other, other)).Outcome);
    }

    [Fact]
    public void A_station_grows_from_one_peer_to_three_and_shrinks_back()
    {
        var cluster = Station(1);
        var added = new[] { NodeId.Parse("n1:9070"), NodeId.Parse("n2:9070") };
        foreach (var node in added)
        {
            Join(cluster, node);
            Assert.Equal(MembershipOutcome.Appended, Change(cluster, new AddPeer(node)).Outcome);
            Assert.True(cluster.TickUntil(() => cluster.Master?.Configuration?.IsVoter(node) == true && !cluster.Master.ConfigurationChangeInFlight, 300));
        }

        Assert.True(cluster.TickUntil(() => Settled(cluster, "n1:9070,n2:9070,p1:9070"), 100));
        Assert.Equal(MembershipOutcome.Appended, Change(cluster, new RemovePeer(NodeId.Parse("p1:9070"))).Outcome);
        Assert.True(cluster.TickUntil(() => cluster["p1"].LeftTheStation && cluster.Master?.CoordinatorRunning == true && Settled(cluster, "n1:9070,n2:9070"), 500));
        Assert.Contains(NodeId.Parse("s1:9070"), cluster.Master!.Satellites.Keys);
    }

    [Fact]
    public void A_learner_is_promoted_only_once_it_holds_its_own_addition_so_a_lost_promotion_cannot_stall_the_station()
    {
        // One entry per message, so the learner can be "caught up" (within a batch of the commit index) while its log
        // does not yet hold the configuration that made it a learner. Seed 40130 of the grow-shrink sweep: a 1-voter
        // master promoted such a learner, crashed before the promotion left, and then needed the vote of a joining
        // peer whose log listed it nowhere, which refuses every vote: no master again, for good.
        var cluster = Station(1, options: ProtocolOptions.Default with { EntriesPerAppendMax = 1 });
        var master = cluster.Master!;
        var joined = Join(cluster, s_new);
        Assert.Equal(MembershipOutcome.Appended, Change(cluster, new AddPeer(s_new)).Outcome);
        var learnerIndex = master.ConfigurationIndex;

        // Deliver one message at a time, with a tick of the master between them while little is in flight (its ticks
        // take the next step of a change), and lose the first copy of the entry that made the new peer a learner (as
        // the swarm's loss did): the learner acknowledges the entries before it, which is "caught up" by the batch
        // rule. Stop as soon as the master promotes the learner.
        var lost = false;
        for (var steps = 0; !master.Configuration!.IsVoter(s_new); steps++)
        {
            Assert.True(steps < 10_000, $"the learner was never promoted: its log ends at {joined.LastLogIndex}, the master's at {master.LastLogIndex}");
            if (cluster.InFlight.Count == 0)
            {
                cluster.Tick();
                continue;
            }

            var next = cluster.InFlight.First();
            var drop = !lost && next is AppendEntries append && append.To.Equals(s_new) && append.Entries.Any(e => e.Index == learnerIndex);
            lost |= drop;
            if (drop)
            {
                cluster.Down.Add(s_new);
            }

            cluster.Deliver(1);
            cluster.Down.Remove(s_new);
            if (cluster.InFlight.Count <= 2)
            {
                master.Tick();
                cluster.Drain(master);
            }
        }

        Assert.True(lost);
        Assert.True(joined.LastLogIndex >= learnerIndex, $"promoted while its log ends at {joined.LastLogIndex}, before its addition at {learnerIndex}");
        Assert.True(joined.Configuration!.Contains(s_new));

        // The master dies before the promotion reaches the new voter, and comes back: it needs that voter's vote.
        cluster.Down.Add(master.Id);
        cluster.Deliver();
        cluster.Down.Remove(master.Id);
        cluster.Restart(master.Id);
        Assert.True(cluster.TickUntil(() => cluster.Master?.CoordinatorRunning == true && Settled(cluster, "n1:9070,p1:9070"), 500));
    }

    [Fact]
    public void A_learner_far_behind_catches_up_by_snapshot_and_the_snapshot_carries_the_configuration()
    {
        var options = ProtocolOptions.Default with { SnapshotThresholdEntries = 4 };
        var cluster = Station(3, satellites: 6, options);
        var joined = Join(cluster, s_new);
        Assert.Equal(MembershipOutcome.Appended, Change(cluster, new AddPeer(s_new)).Outcome);
        Assert.True(cluster.TickUntil(() => Settled(cluster, "n1:9070,p1:9070,p2:9070,p3:9070"), 300));
        Assert.Contains(cluster.EffectsOf(s_new), e => e is SnapshotInstalled);
        Assert.Equal(6, joined.Satellites.Count);

        // A restart takes the configuration from the snapshot and the log after it.
        foreach (var id in cluster.Nodes.Keys.Where(k => cluster.Nodes[k].Role == NodeRole.Station).ToList())
        {
            var before = cluster.Nodes[id].Configuration;
            Assert.Equal(before, cluster.Restart(id).Configuration);
        }
    }

    [Fact]
    public void A_configuration_cut_away_with_an_uncommitted_entry_falls_back_to_the_one_before()
    {
        var cluster = new TestCluster(3);
        cluster.BootstrapStation();
        var follower = cluster["p2"];
        var clusterId = follower.GetStatus().ClusterId!;
        var grown = StationConfig.Create(cluster.Peers, [s_new]);
        var p1 = NodeId.Parse("p1:9070");
        var p3 = NodeId.Parse("p3:9070");

        // Term 1's master appends a configuration that never commits.
        Assert.True(follower.Step(new AppendEntries(p1, follower.Id, clusterId, 1, 0, 0, [new LogEntry(1, 1, NoOpCommand.Instance), new LogEntry(2, 1, new StationConfigCommand(grown))], 0, 1, 0)).Accepted);
        Assert.Equal(grown, follower.Configuration);
        Assert.True(follower.ConfigurationChangeInFlight);

        // Term 2's master overwrites index 2: the follower is back on the bootstrap configuration.
        Assert.True(follower.Step(new AppendEntries(p3, follower.Id, clusterId, 2, 1, 1, [new LogEntry(2, 2, NoOpCommand.Instance)], 2, 1, 0)).Accepted);
        Assert.Equal(StationConfig.Of(cluster.Peers), follower.Configuration);
        Assert.False(follower.ConfigurationChangeInFlight);
        cluster.Drain(follower);
        Assert.Contains(cluster.EffectsOf(follower.Id), e => e is ConfigurationChanged { Index: 0 });
    }

    [Fact]
    public void Joining_is_idempotent_and_refused_by_a_node_of_another_station()
    {
        var cluster = Station();
        var joined = Join(cluster, s_new);
        var clusterId = cluster.Master!.GetStatus().ClusterId!;
        var again = joined.JoinStation(clusterId, cluster.Master!.Timing, cluster.Peers);
        Assert.True(again.Succeeded);
        Assert.False(again.Changed);
        var other = joined.JoinStation("halon-0000000000000001", cluster.Master!.Timing, cluster.Peers);
        Assert.False(other.Succeeded);
        Assert.Contains("halon-0000000000000001", other.Message, StringComparison.Ordinal);
        Assert.False(cluster["p1"].JoinStation("halon-0000000000000001", cluster.Master!.Timing, cluster.Peers).Succeeded);
    }

    [Fact]
    public void A_data_dir_written_before_the_cluster_id_was_kept_derives_the_same_id()
    {
        var cluster = Station();
        var id = cluster.Master!.GetStatus().ClusterId;
        var p2 = NodeId.Parse("p2:9070");
        var persisted = cluster.PersistedStateOf(p2);
        var old = persisted with { Role = persisted.Role with { ClusterId = null } };
        cluster.Add(p2, old);
        Assert.Equal(id, cluster.Nodes[p2].GetStatus().ClusterId);
    }

    [Fact]
    public void Configurations_round_trip_through_text_and_reject_nonsense()
    {
        var config = StationConfig.Parse("a:1,b:2,c:3;learners=d:4;retiring=c:3");
        Assert.Equal("a:1,b:2,c:3;learners=d:4;retiring=c:3", config.ToString());
        Assert.Equal(config, StationConfig.Parse(config.ToString()));
        Assert.Equal(1, StationConfig.Parse("a:1,b:2").VoterDistance(StationConfig.Parse("a:1,b:2,c:3")));
        Assert.Equal(2, StationConfig.Parse("a:1,b:2").VoterDistance(StationConfig.Parse("a:1,c:3")));
        Assert.Throws<ArgumentException>(() => StationConfig.Parse("a:1,b:2;learners=b:2"));
        Assert.Throws<ArgumentException>(() => StationConfig.Parse("a:1,b:2;retiring=c:3"));
        Assert.Throws<ArgumentException>(() => StationConfig.Parse("a:1;retiring=a:1"));
        Assert.Throws<ArgumentException>(() => StationConfig.Parse("a:1;learners=b:2,c:3,d:4"));
        Assert.Throws<ArgumentException>(() => StationConfig.Parse("a:1;voters=b:2"));
    }
}
